import { useMemo, useState } from 'react'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { toast } from 'sonner'
import { api } from '@/api/client'
import type { OptionRow } from '@/api/types'
import { Button } from '@/components/ui/button'
import { Card, CardContent } from '@/components/ui/card'
import { Input, Textarea } from '@/components/ui/input'
import { Select } from '@/components/ui/select'
import { Switch } from '@/components/ui/switch'
import { Skeleton } from '@/components/ui/skeleton'
import { Tabs, TabsContent, TabsList, TabsTrigger } from '@/components/ui/tabs'
import { Field, PageHeader } from '@/components/common/empty'
import { useConfirm } from '@/components/common/confirm'
import { localInputToSeconds } from '@/lib/query'
import { validateJsonObject } from '@/lib/validate'
import { GROUPS, RATIO_KEYS, type FieldSpec, type Group } from './fields'
import { RatioEditor } from './ratio-editor'

type Options = Record<string, string>

function useOptions() {
  return useQuery({
    queryKey: ['options'],
    queryFn: async () => Object.fromEntries((await api.get<OptionRow[]>('/api/option/')).map((o) => [o.key, o.value])) as Options,
  })
}

function useSaveOptions() {
  const qc = useQueryClient()
  const { t } = useTranslation()
  return useMutation({
    mutationFn: async (changes: Options) => {
      for (const [key, value] of Object.entries(changes)) await api.put('/api/option/', { key, value })
      return Object.keys(changes).length
    },
    onSuccess: (n) => {
      toast.success(n ? t('Saved {{n}} setting(s)', { n }) : t('Nothing changed'))
      void qc.invalidateQueries({ queryKey: ['options'] })
      void qc.invalidateQueries({ queryKey: ['status'] })
    },
  })
}

function OptionField({ spec, value, onChange }: { spec: FieldSpec; value: string; onChange: (v: string) => void }) {
  const { t } = useTranslation()
  const id = `opt-${spec.key}`
  if (spec.kind === 'bool') {
    return (
      <label htmlFor={id} className="flex items-center justify-between gap-3 rounded-lg border px-3 py-2 text-sm">
        <span>
          {t(spec.label)}
          {spec.hint && <span className="block text-xs text-muted-foreground">{t(spec.hint)}</span>}
        </span>
        <Switch id={id} checked={value === 'true'} onCheckedChange={(on) => onChange(on ? 'true' : 'false')} />
      </label>
    )
  }
  const jsonError = spec.kind === 'json' ? (() => { const r = validateJsonObject(value); return r.ok ? undefined : t(r.error) })() : undefined
  return (
    <Field label={t(spec.label)} htmlFor={id} hint={spec.hint && t(spec.hint)} error={jsonError} className={spec.kind === 'textarea' || spec.kind === 'json' ? 'md:col-span-2' : undefined}>
      {spec.kind === 'select' ? (
        <Select id={id} value={value} onValueChange={onChange} options={(spec.options ?? []).map((o) => ({ value: o.value, label: t(o.label) }))} />
      ) : spec.kind === 'textarea' || spec.kind === 'json' ? (
        <Textarea id={id} rows={spec.kind === 'json' ? 5 : 3} className={spec.kind === 'json' ? 'font-mono text-xs' : ''} value={value} aria-invalid={!!jsonError} onChange={(e) => onChange(e.target.value)} />
      ) : (
        <Input id={id} type={spec.kind === 'number' ? 'number' : spec.kind === 'secret' ? 'password' : 'text'} autoComplete="off" step="any" value={value} onChange={(e) => onChange(e.target.value)} placeholder={spec.kind === 'secret' ? t('Unchanged') : ''} />
      )}
    </Field>
  )
}

function GroupForm({ group, options }: { group: Group; options: Options }) {
  const { t } = useTranslation()
  const save = useSaveOptions()
  const [draft, setDraft] = useState<Options>({})
  const value = (k: string) => draft[k] ?? options[k] ?? ''
  const invalid = group.fields.some((f) => f.kind === 'json' && !validateJsonObject(value(f.key)).ok)
  const changes = Object.fromEntries(Object.entries(draft).filter(([k, v]) => v !== (options[k] ?? '')))
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault()
        save.mutate(changes, { onSuccess: () => setDraft({}) })
      }}
    >
      <div className="grid gap-4 md:grid-cols-2">
        {group.fields.map((f) => (
          <OptionField key={f.key} spec={f} value={value(f.key)} onChange={(v) => setDraft({ ...draft, [f.key]: v })} />
        ))}
      </div>
      <div className="mt-4 flex items-center gap-3">
        <Button type="submit" disabled={invalid || save.isPending || !Object.keys(changes).length}>{t('Save')}</Button>
        {Object.keys(changes).length > 0 && <span className="text-xs text-muted-foreground">{t('{{n}} unsaved change(s)', { n: Object.keys(changes).length })}</span>}
      </div>
    </form>
  )
}

function Ratios({ options }: { options: Options }) {
  const { t } = useTranslation()
  const save = useSaveOptions()
  const [key, setKey] = useState<string>('ModelRatio')
  const [groups, setGroups] = useState(options.UserUsableGroups ?? '{}')
  const groupsCheck = validateJsonObject(groups)
  return (
    <div className="grid gap-6">
      <div className="grid gap-3">
        <div className="w-60">
          <Select ariaLabel={t('Table')} value={key} onValueChange={setKey} options={RATIO_KEYS.map((k) => ({ value: k, label: t(k) }))} />
        </div>
        <RatioEditor key={key + (options[key] ?? '')} value={options[key] ?? '{}'} busy={save.isPending} onSave={(json) => save.mutate({ [key]: json })} />
      </div>
      <Field label={t('Groups users may pick (UserUsableGroups, JSON)')} htmlFor="opt-usable" error={groupsCheck.ok ? undefined : t(groupsCheck.error)}>
        <Textarea id="opt-usable" rows={4} className="font-mono text-xs" value={groups} aria-invalid={!groupsCheck.ok} onChange={(e) => setGroups(e.target.value)} />
        <Button className="w-fit" variant="outline" disabled={!groupsCheck.ok} onClick={() => save.mutate({ UserUsableGroups: groups })}>{t('Save')}</Button>
      </Field>
    </div>
  )
}

function LogRetention() {
  const { t } = useTranslation()
  const confirm = useConfirm()
  const [before, setBefore] = useState('')
  return (
    <div className="mt-6 grid gap-2 rounded-lg border p-4">
      <p className="text-sm font-medium">{t('Delete old logs')}</p>
      <div className="flex flex-wrap gap-2">
        <Input type="datetime-local" aria-label={t('Delete logs before')} className="w-auto" value={before} onChange={(e) => setBefore(e.target.value)} />
        <Button
          variant="destructive"
          disabled={!before}
          onClick={async () => {
            if (!(await confirm({ title: t('Delete every log row before {{time}}?', { time: before.replace('T', ' ') }), confirmText: t('Delete') }))) return
            api.delete<number>('/api/log/', { target_timestamp: localInputToSeconds(before) }).then(
              (n) => toast.success(t('Deleted {{n}}', { n })),
              (e: Error) => toast.error(t(e.message)),
            )
          }}
        >
          {t('Delete')}
        </Button>
      </div>
    </div>
  )
}

function AllOptions({ options }: { options: Options }) {
  const { t } = useTranslation()
  const save = useSaveOptions()
  const [filter, setFilter] = useState('')
  const [editing, setEditing] = useState<Record<string, string>>({})
  const keys = useMemo(() => Object.keys(options).sort().filter((k) => !filter || k.toLowerCase().includes(filter.toLowerCase())), [options, filter])
  return (
    <div className="grid gap-2">
      <Input aria-label={t('Filter')} placeholder={t('Filter options')} className="w-64" value={filter} onChange={(e) => setFilter(e.target.value)} />
      <div className="max-h-[520px] overflow-auto rounded-lg border">
        <table className="w-full text-sm">
          <tbody>
            {keys.map((k) => (
              <tr key={k} className="border-t align-top">
                <td className="w-72 px-3 py-2 font-mono text-xs">{k}</td>
                <td className="px-2 py-1">
                  <Textarea aria-label={k} rows={1} className="min-h-8 font-mono text-xs" value={editing[k] ?? options[k]} onChange={(e) => setEditing({ ...editing, [k]: e.target.value })} />
                </td>
                <td className="w-20 px-2 py-1">
                  {editing[k] !== undefined && editing[k] !== options[k] && (
                    <Button size="sm" onClick={() => save.mutate({ [k]: editing[k] }, { onSuccess: () => setEditing((e) => { const n = { ...e }; delete n[k]; return n }) })}>{t('Save')}</Button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  )
}

export default function SettingsPage() {
  const { t } = useTranslation()
  const options = useOptions()
  const [tab, setTab] = useState('system')
  return (
    <div>
      <PageHeader title={t('System settings')} />
      {!options.data ? (
        <Skeleton className="h-96" />
      ) : (
        <Tabs value={tab} onValueChange={setTab}>
          <TabsList className="h-auto">
            {GROUPS.slice(0, 2).map((g) => <TabsTrigger key={g.id} value={g.id}>{t(g.label)}</TabsTrigger>)}
            <TabsTrigger value="ratios">{t('Ratios')}</TabsTrigger>
            {GROUPS.slice(2).map((g) => <TabsTrigger key={g.id} value={g.id}>{t(g.label)}</TabsTrigger>)}
            <TabsTrigger value="all">{t('All options')}</TabsTrigger>
          </TabsList>
          {GROUPS.map((g) => (
            <TabsContent key={g.id} value={g.id}>
              <Card><CardContent className="p-5">
                <GroupForm group={g} options={options.data} />
                {g.id === 'logs' && <LogRetention />}
              </CardContent></Card>
            </TabsContent>
          ))}
          <TabsContent value="ratios"><Card><CardContent className="p-5"><Ratios options={options.data} /></CardContent></Card></TabsContent>
          <TabsContent value="all"><Card><CardContent className="p-5"><AllOptions options={options.data} /></CardContent></Card></TabsContent>
        </Tabs>
      )}
    </div>
  )
}
