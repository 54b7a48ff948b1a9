import { useState } from 'react'
import { Controller, useForm } from 'react-hook-form'
import { zodResolver } from '@hookform/resolvers/zod'
import { z } from 'zod'
import { useQuery } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { toast } from 'sonner'
import { CloudDownload, ListPlus, Loader2, Trash } from 'lucide-react'
import type { Channel, ChannelCreate } from '@/api/types'
import { Button } from '@/components/ui/button'
import { Input, Textarea } from '@/components/ui/input'
import { Select } from '@/components/ui/select'
import { Switch } from '@/components/ui/switch'
import { Field } from '@/components/common/empty'
import { joinList, splitList, TagInput } from '@/components/common/tag-input'
import { validateJsonObject, validateModelMapping } from '@/lib/validate'
import { channelsApi } from './api'
import { BASE_URL_HINT, CHANNEL_TYPES, KEY_HINT, MODEL_FETCHABLE } from './constants'

const json = (validator: (s: string) => { ok: boolean; error?: string }) =>
  z.string().superRefine((v, ctx) => {
    const r = validator(v) as { ok: boolean; error?: string }
    if (!r.ok) ctx.addIssue({ code: 'custom', message: r.error })
  })

const schema = z
  .object({
    type: z.number(),
    name: z.string().trim().min(1, 'Enter a name'),
    key: z.string(),
    mode: z.enum(['single', 'batch']),
    base_url: z.string().trim().refine((v) => !v || /^https?:\/\/\S+$/.test(v), 'Must start with http:// or https://'),
    models: z.array(z.string()).min(1, 'Add at least one model'),
    groups: z.array(z.string()).min(1, 'Add at least one group'),
    model_mapping: json(validateModelMapping),
    status_code_mapping: json(validateJsonObject),
    param_override: json(validateJsonObject),
    header_override: json(validateJsonObject),
    tag: z.string(),
    priority: z.number({ message: 'Enter a number' }).int(),
    weight: z.number({ message: 'Enter a number' }).int().min(0),
    test_model: z.string(),
    openai_organization: z.string(),
    other: z.string(),
    auto_ban: z.boolean(),
    remark: z.string().max(255),
  })
type Values = z.infer<typeof schema>

export function ChannelForm({ channel, onSubmit, busy }: { channel?: Channel; onSubmit: (mode: 'single' | 'batch', body: ChannelCreate) => void; busy?: boolean }) {
  const { t } = useTranslation()
  const editing = !!channel
  const [fetching, setFetching] = useState(false)
  const known = useQuery({ queryKey: ['known-models'], queryFn: channelsApi.knownModels, staleTime: 60_000 })
  const groups = useQuery({ queryKey: ['groups'], queryFn: channelsApi.groups, meta: { silent: true }, retry: false })
  const form = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: {
      type: channel?.type ?? 1,
      name: channel?.name ?? '',
      key: '',
      mode: 'single',
      base_url: channel?.base_url ?? '',
      models: splitList(channel?.models),
      groups: splitList(channel?.group ?? 'default'),
      model_mapping: channel?.model_mapping ?? '',
      status_code_mapping: channel?.status_code_mapping ?? '',
      param_override: channel?.param_override ?? '',
      header_override: channel?.header_override ?? '',
      tag: channel?.tag ?? '',
      priority: channel?.priority ?? 0,
      weight: channel?.weight ?? 0,
      test_model: channel?.test_model ?? '',
      openai_organization: channel?.openai_organization ?? '',
      other: channel?.other ?? '',
      auto_ban: (channel?.auto_ban ?? 1) === 1,
      remark: channel?.remark ?? '',
    },
  })
  const errors = form.formState.errors
  const type = form.watch('type')
  const mode = form.watch('mode')
  const submit = form.handleSubmit((v) => {
    if (!editing && !v.key.trim()) {
      form.setError('key', { message: 'Enter a key' })
      return
    }
    onSubmit(v.mode, {
      type: v.type,
      name: v.name,
      key: v.key.trim(),
      base_url: v.base_url.replace(/\/+$/, ''),
      models: joinList(v.models),
      group: joinList(v.groups),
      model_mapping: v.model_mapping.trim() || null,
      status_code_mapping: v.status_code_mapping.trim() || null,
      param_override: v.param_override.trim() || null,
      header_override: v.header_override.trim() || null,
      tag: v.tag.trim() || null,
      priority: v.priority,
      weight: v.weight,
      test_model: v.test_model.trim() || null,
      openai_organization: v.openai_organization.trim() || null,
      other: v.other,
      auto_ban: v.auto_ban ? 1 : 0,
      remark: v.remark || null,
      status: channel?.status ?? 1,
      settings: channel?.settings ?? '',
      setting: channel?.setting ?? null,
    })
  })
  const fetchUpstream = async () => {
    setFetching(true)
    try {
      const key = form.getValues('key').split('\n')[0]?.trim()
      const models =
        editing && !key
          ? await channelsApi.fetchModelsOf(channel!.id)
          : await channelsApi.fetchModels({ type, key: key ?? '', base_url: form.getValues('base_url') })
      const merged = [...new Set([...form.getValues('models'), ...models])]
      form.setValue('models', merged, { shouldValidate: true })
      toast.success(t('Fetched {{n}} models', { n: models.length }))
    } catch (e) {
      toast.error(t((e as Error).message))
    } finally {
      setFetching(false)
    }
  }
  const jsonField = (name: 'model_mapping' | 'status_code_mapping' | 'param_override' | 'header_override', label: string, placeholder: string) => (
    <Field label={label} htmlFor={`ch-${name}`} error={errors[name] && t(errors[name]!.message!)}>
      <Textarea id={`ch-${name}`} rows={3} className="font-mono text-xs" placeholder={placeholder} aria-invalid={!!errors[name]} {...form.register(name)} />
    </Field>
  )
  const knownIds = (known.data ?? []).map((m) => m.id)
  return (
    <form onSubmit={submit} className="grid gap-4" noValidate>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label={t('Type')} htmlFor="ch-type">
          <Controller
            control={form.control}
            name="type"
            render={({ field }) => (
              <Select id="ch-type" value={String(field.value)} onValueChange={(v) => field.onChange(Number(v))} options={CHANNEL_TYPES.map((c) => ({ value: String(c.value), label: `${t(c.label)} (${c.value})` }))} />
            )}
          />
        </Field>
        <Field label={t('Name')} htmlFor="ch-name" error={errors.name && t(errors.name.message!)}>
          <Input id="ch-name" aria-invalid={!!errors.name} {...form.register('name')} />
        </Field>
      </div>
      <Field label={t('Base URL')} htmlFor="ch-base-url" hint={t('Empty uses the official address')} error={errors.base_url && t(errors.base_url.message!)}>
        <Input id="ch-base-url" placeholder={BASE_URL_HINT[type] ?? ''} aria-invalid={!!errors.base_url} {...form.register('base_url')} />
      </Field>
      <Field
        label={t('Key')}
        htmlFor="ch-key"
        hint={editing ? t('Empty keeps the current key') : mode === 'batch' ? t('One key per line; each line becomes a channel') : t(KEY_HINT[type] ?? 'API key')}
        error={errors.key && t(errors.key.message!)}
      >
        <Textarea id="ch-key" rows={mode === 'batch' ? 4 : 2} className="font-mono text-xs" autoComplete="off" aria-invalid={!!errors.key} {...form.register('key')} />
      </Field>
      {!editing && (
        <label className="flex items-center gap-2 text-sm" htmlFor="ch-batch">
          <Switch id="ch-batch" checked={mode === 'batch'} onCheckedChange={(on) => form.setValue('mode', on ? 'batch' : 'single')} />
          {t('Batch: one channel per key line')}
        </label>
      )}
      <Field label={t('Models')} htmlFor="ch-models" error={errors.models && t(errors.models.message!)}>
        <Controller
          control={form.control}
          name="models"
          render={({ field }) => <TagInput id="ch-models" value={field.value} onChange={field.onChange} suggestions={knownIds} placeholder={t('Type a model and press Enter')} invalid={!!errors.models} />}
        />
        <div className="flex flex-wrap gap-2">
          <Button variant="outline" size="sm" onClick={fetchUpstream} disabled={fetching || !MODEL_FETCHABLE.has(type)} data-testid="fetch-models">
            {fetching ? <Loader2 className="animate-spin" /> : <CloudDownload />} {t('Fetch from upstream')}
          </Button>
          <Button variant="outline" size="sm" onClick={() => form.setValue('models', [...new Set([...form.getValues('models'), ...knownIds])], { shouldValidate: true })}>
            <ListPlus /> {t('Add all known models')}
          </Button>
          <Button variant="ghost" size="sm" onClick={() => form.setValue('models', [])}>
            <Trash /> {t('Clear')}
          </Button>
        </div>
      </Field>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label={t('Groups')} htmlFor="ch-groups" error={errors.groups && t(errors.groups.message!)}>
          <Controller control={form.control} name="groups" render={({ field }) => <TagInput id="ch-groups" value={field.value} onChange={field.onChange} suggestions={groups.data ?? ['default', 'vip']} />} />
        </Field>
        <Field label={t('Tag')} htmlFor="ch-tag">
          <Input id="ch-tag" {...form.register('tag')} />
        </Field>
        <Field label={t('Priority')} htmlFor="ch-priority" hint={t('Higher tiers are tried first')} error={errors.priority && t(errors.priority.message!)}>
          <Input id="ch-priority" type="number" {...form.register('priority', { valueAsNumber: true })} />
        </Field>
        <Field label={t('Weight')} htmlFor="ch-weight" hint={t('Share within a tier')} error={errors.weight && t(errors.weight.message!)}>
          <Input id="ch-weight" type="number" min={0} {...form.register('weight', { valueAsNumber: true })} />
        </Field>
        <Field label={t('Test model')} htmlFor="ch-test-model">
          <Input id="ch-test-model" placeholder={form.watch('models')[0] ?? ''} {...form.register('test_model')} />
        </Field>
        {type === 1 ? (
          <Field label={t('OpenAI organization')} htmlFor="ch-org">
            <Input id="ch-org" {...form.register('openai_organization')} />
          </Field>
        ) : (
          <Field label={type === 3 ? t('API version') : t('Extra (other)')} htmlFor="ch-other">
            <Input id="ch-other" placeholder={type === 3 ? '2024-10-21' : ''} {...form.register('other')} />
          </Field>
        )}
      </div>
      {jsonField('model_mapping', t('Model mapping (JSON)'), '{"gpt-4o": "gpt-4o-2024-11-20"}')}
      <details className="rounded-lg border p-3">
        <summary className="cursor-pointer text-sm font-medium">{t('Advanced')}</summary>
        <div className="mt-3 grid gap-4">
          {jsonField('status_code_mapping', t('Status code mapping (JSON)'), '{"400": "500"}')}
          {jsonField('param_override', t('Parameter override (JSON)'), '{"temperature": 0}')}
          {jsonField('header_override', t('Header override (JSON)'), '{"X-Foo": "bar"}')}
          <label className="flex items-center gap-2 text-sm" htmlFor="ch-auto-ban">
            <Controller control={form.control} name="auto_ban" render={({ field }) => <Switch id="ch-auto-ban" checked={field.value} onCheckedChange={field.onChange} />} />
            {t('Disable automatically on upstream failures')}
          </label>
          <Field label={t('Remark')} htmlFor="ch-remark">
            <Input id="ch-remark" {...form.register('remark')} />
          </Field>
        </div>
      </details>
      <div className="flex justify-end">
        <Button type="submit" disabled={busy} data-testid="save-channel">
          {busy && <Loader2 className="animate-spin" />} {editing ? t('Save') : t('Create')}
        </Button>
      </div>
    </form>
  )
}
