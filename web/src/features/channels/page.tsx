import { useMemo, useState } from 'react'
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { createColumnHelper, type RowSelectionState, type SortingState } from '@tanstack/react-table'
import { useTranslation } from 'react-i18next'
import { toast } from 'sonner'
import { CircleDollarSign, Copy, Gauge, MoreHorizontal, Pencil, Plus, Power, PowerOff, RefreshCw, RotateCcw, Search, Tag, Trash2 } from 'lucide-react'
import type { Channel, ChannelCreate } from '@/api/types'
import { Badge } from '@/components/ui/badge'
import { Button } from '@/components/ui/button'
import { Input } from '@/components/ui/input'
import { Select } from '@/components/ui/select'
import { Switch } from '@/components/ui/switch'
import { Tooltip } from '@/components/ui/tooltip'
import { Dialog, DialogContent, DialogHeader, DialogTitle } from '@/components/ui/dialog'
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuSeparator, DropdownMenuTrigger } from '@/components/ui/dropdown-menu'
import { DataTable } from '@/components/common/data-table'
import { EmptyState, PageHeader } from '@/components/common/empty'
import { Quota } from '@/components/common/quota'
import { useConfirm } from '@/components/common/confirm'
import { splitList } from '@/components/common/tag-input'
import { sortParams } from '@/lib/query'
import { useUrlState } from '@/lib/url-state'
import { formatTime } from '@/lib/utils'
import { channelsApi } from './api'
import { ChannelForm } from './channel-form'
import { CHANNEL_STATUS, CHANNEL_TYPES, channelTypeLabel } from './constants'

const col = createColumnHelper<Channel>()
const DEFAULTS = { p: 1, size: 20, keyword: '', type: '', status: '', group: '', tag: '', model: '', sort: '', order: '' }

/** A number cell edited in place: Enter or blur saves, Escape restores. */
function InlineNumber({ value, label, onSave }: { value: number; label: string; onSave: (v: number) => void }) {
  const [draft, setDraft] = useState(String(value))
  const [prev, setPrev] = useState(value)
  if (prev !== value) {
    setPrev(value)
    setDraft(String(value))
  }
  const commit = () => {
    const n = Number(draft)
    if (draft.trim() === '' || !Number.isInteger(n)) return setDraft(String(value))
    if (n !== value) onSave(n)
  }
  return (
    <Input
      aria-label={label}
      className="h-7 w-16 px-1.5 text-center text-xs"
      inputMode="numeric"
      value={draft}
      onClick={(e) => e.stopPropagation()}
      onChange={(e) => setDraft(e.target.value)}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === 'Enter') (e.target as HTMLInputElement).blur()
        if (e.key === 'Escape') setDraft(String(value))
      }}
    />
  )
}

function latencyVariant(ms: number) {
  if (!ms) return 'secondary' as const
  if (ms < 1000) return 'success' as const
  if (ms < 3000) return 'warning' as const
  return 'destructive' as const
}

export default function ChannelsPage() {
  const { t } = useTranslation()
  const qc = useQueryClient()
  const confirm = useConfirm()
  const [state, setState] = useUrlState(DEFAULTS)
  const [draft, setDraft] = useState(state)
  const [selection, setSelection] = useState<RowSelectionState>({})
  const [editing, setEditing] = useState<Channel | 'new' | null>(null)
  const [testing, setTesting] = useState<Record<number, boolean>>({})
  const sorting: SortingState = state.sort ? [{ id: state.sort, desc: state.order !== 'asc' }] : []
  const list = useQuery({
    queryKey: ['channels', state],
    queryFn: () => channelsApi.list(state, { p: state.p, page_size: state.size }, sortParams(sorting)),
    placeholderData: keepPreviousData,
  })
  const groups = useQuery({ queryKey: ['groups'], queryFn: channelsApi.groups, meta: { silent: true }, retry: false })
  const refresh = () => qc.invalidateQueries({ queryKey: ['channels'] })
  const update = useMutation({ mutationFn: channelsApi.update, onSuccess: () => void refresh() })
  const save = useMutation({
    mutationFn: async ({ mode, body }: { mode: 'single' | 'batch'; body: ChannelCreate }) => {
      if (editing && editing !== 'new') return channelsApi.update({ ...body, id: editing.id, key: body.key || undefined })
      return channelsApi.create(mode, body)
    },
    onSuccess: () => {
      toast.success(t('Saved'))
      setEditing(null)
      void refresh()
    },
  })
  const test = async (c: Channel) => {
    setTesting((s) => ({ ...s, [c.id]: true }))
    try {
      const r = await channelsApi.test(c.id, c.test_model || undefined)
      toast.success(t('Channel {{name}} answered in {{s}} s', { name: c.name, s: r.time.toFixed(2) }))
      void refresh()
    } catch (e) {
      toast.error(`${c.name}: ${t((e as Error).message)}`)
      void refresh()
    } finally {
      setTesting((s) => ({ ...s, [c.id]: false }))
    }
  }
  const balance = async (c: Channel) => {
    try {
      const b = await channelsApi.updateBalance(c.id)
      toast.success(t('Balance of {{name}}: {{b}}', { name: c.name, b: `$${b.toFixed(2)}` }))
      void refresh()
    } catch (e) {
      toast.error(t((e as Error).message))
    }
  }
  const run = async (fn: () => Promise<unknown>, done: string) => {
    try {
      await fn()
      toast.success(done)
      setSelection({})
      void refresh()
    } catch (e) {
      toast.error(t((e as Error).message))
    }
  }
  const selectedIds = Object.keys(selection).filter((k) => selection[k]).map(Number)
  const removeMany = async (ids: number[]) => {
    if (await confirm({ title: t('Delete {{n}} channel(s)?', { n: ids.length }), confirmText: t('Delete') })) void run(() => channelsApi.removeMany(ids), t('Deleted'))
  }
  const columns = useMemo(
    () => [
      col.accessor('id', { header: 'ID', enableSorting: true, cell: (c) => <span className="tabular-nums text-muted-foreground">{c.getValue()}</span> }),
      col.accessor('name', {
        header: () => t('Name'),
        cell: ({ row }) => (
          <div className="min-w-32">
            <div className="font-medium">{row.original.name}</div>
            {row.original.remark && <div className="text-xs text-muted-foreground">{row.original.remark}</div>}
          </div>
        ),
      }),
      col.accessor('type', { header: () => t('Type'), enableSorting: false, cell: (c) => <Badge variant="outline">{t(channelTypeLabel(c.getValue()))}</Badge> }),
      col.accessor('status', {
        header: () => t('Status'),
        enableSorting: false,
        cell: ({ row }) => {
          const s = CHANNEL_STATUS[row.original.status] ?? CHANNEL_STATUS[2]
          return (
            <div className="flex items-center gap-2">
              <Switch
                aria-label={t('Enabled')}
                checked={row.original.status === 1}
                onClick={(e) => e.stopPropagation()}
                onCheckedChange={(on) => update.mutate({ id: row.original.id, status: on ? 1 : 2 })}
              />
              {row.original.status !== 1 && <Badge variant={s.variant}>{t(s.label)}</Badge>}
            </div>
          )
        },
      }),
      col.accessor('group', {
        header: () => t('Groups'),
        enableSorting: false,
        cell: (c) => (
          <div className="flex flex-wrap gap-1">
            {splitList(c.getValue()).map((g) => (
              <Badge key={g} variant="secondary">{g}</Badge>
            ))}
          </div>
        ),
      }),
      col.accessor('tag', { header: () => t('Tag'), enableSorting: false, cell: (c) => (c.getValue() ? <Badge variant="default">{c.getValue()}</Badge> : null) }),
      col.accessor('models', {
        header: () => t('Models'),
        enableSorting: false,
        cell: (c) => {
          const models = splitList(c.getValue())
          return (
            <Tooltip content={<span className="font-mono">{models.join(', ')}</span>}>
              <span tabIndex={0} className="text-xs">{t('{{n}} model(s)', { n: models.length })}</span>
            </Tooltip>
          )
        },
      }),
      col.accessor('priority', {
        header: () => t('Priority'),
        cell: ({ row }) => <InlineNumber label={t('Priority of {{name}}', { name: row.original.name })} value={row.original.priority ?? 0} onSave={(v) => update.mutate({ id: row.original.id, priority: v })} />,
      }),
      col.accessor('weight', {
        header: () => t('Weight'),
        enableSorting: false,
        cell: ({ row }) => <InlineNumber label={t('Weight of {{name}}', { name: row.original.name })} value={row.original.weight ?? 0} onSave={(v) => update.mutate({ id: row.original.id, weight: v })} />,
      }),
      col.accessor('response_time', {
        header: () => t('Latency'),
        cell: ({ row }) => (
          <Tooltip content={row.original.test_time ? t('Tested {{time}}', { time: formatTime(row.original.test_time) }) : t('Not tested')}>
            <button
              className="rounded focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
              onClick={(e) => {
                e.stopPropagation()
                void test(row.original)
              }}
              aria-label={t('Test {{name}}', { name: row.original.name })}
              data-testid={`latency-${row.original.id}`}
            >
              <Badge variant={latencyVariant(row.original.response_time)}>
                {testing[row.original.id] ? '…' : row.original.response_time ? `${(row.original.response_time / 1000).toFixed(2)} s` : t('Not tested')}
              </Badge>
            </button>
          </Tooltip>
        ),
      }),
      col.accessor('balance', {
        header: () => t('Balance'),
        cell: ({ row }) => (
          <div className="flex items-center gap-1 whitespace-nowrap text-xs">
            <span title={t('Used')}>
              <Quota value={row.original.used_quota} />
            </span>
            <span className="text-muted-foreground">/</span>
            <button className="hover:underline" onClick={(e) => { e.stopPropagation(); void balance(row.original) }} aria-label={t('Update balance of {{name}}', { name: row.original.name })}>
              ${row.original.balance.toFixed(2)}
            </button>
          </div>
        ),
      }),
      col.display({
        id: 'actions',
        header: () => <span className="sr-only">{t('Actions')}</span>,
        cell: ({ row }) => (
          <div className="flex justify-end gap-1">
            <Button variant="outline" size="sm" onClick={() => void test(row.original)} disabled={testing[row.original.id]} data-testid={`test-${row.original.id}`}>
              <Gauge /> {t('Test')}
            </Button>
            <DropdownMenu>
              <DropdownMenuTrigger asChild>
                <Button variant="ghost" size="icon-sm" aria-label={t('More actions')}>
                  <MoreHorizontal />
                </Button>
              </DropdownMenuTrigger>
              <DropdownMenuContent align="end">
                <DropdownMenuItem onSelect={() => setEditing(row.original)}>
                  <Pencil /> {t('Edit')}
                </DropdownMenuItem>
                <DropdownMenuItem onSelect={() => void run(() => channelsApi.copy(row.original.id), t('Copied'))}>
                  <Copy /> {t('Copy channel')}
                </DropdownMenuItem>
                <DropdownMenuItem onSelect={() => void balance(row.original)}>
                  <CircleDollarSign /> {t('Update balance')}
                </DropdownMenuItem>
                <DropdownMenuSeparator />
                <DropdownMenuItem className="text-destructive" onSelect={() => void removeMany([row.original.id])}>
                  <Trash2 /> {t('Delete')}
                </DropdownMenuItem>
              </DropdownMenuContent>
            </DropdownMenu>
          </div>
        ),
      }),
    ],
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [t, testing],
  )
  const typeCounts = (list.data?.type_counts ?? {}) as Record<string, number>
  const typeOptions = [{ value: '', label: t('All types') }, ...CHANNEL_TYPES.filter((c) => !Object.keys(typeCounts).length || typeCounts[c.value] || String(c.value) === state.type).map((c) => ({ value: String(c.value), label: `${t(c.label)}${typeCounts[c.value] ? ` (${typeCounts[c.value]})` : ''}` }))]
  return (
    <div>
      <PageHeader
        title={t('Channels')}
        description={t('Upstream providers the gateway routes calls to.')}
        actions={
          <>
            <Button variant="outline" onClick={() => void run(channelsApi.testAll, t('Testing all enabled channels in the background'))}>
              <Gauge /> {t('Test all')}
            </Button>
            <Button variant="outline" onClick={() => void run(channelsApi.updateAllBalances, t('Updating balances in the background'))}>
              <RefreshCw /> {t('Update balances')}
            </Button>
            <Button onClick={() => setEditing('new')} data-testid="add-channel">
              <Plus /> {t('Add channel')}
            </Button>
          </>
        }
      />
      <form
        className="mb-3 flex flex-wrap items-center gap-2"
        role="search"
        onSubmit={(e) => {
          e.preventDefault()
          setState({ ...draft, p: 1 })
        }}
      >
        <Input aria-label={t('Search channels')} placeholder={t('ID, name, base URL or key words')} className="w-56" value={draft.keyword} onChange={(e) => setDraft({ ...draft, keyword: e.target.value })} />
        <Input aria-label={t('Model')} placeholder={t('Model')} className="w-36" value={draft.model} onChange={(e) => setDraft({ ...draft, model: e.target.value })} />
        <Input aria-label={t('Tag')} placeholder={t('Tag')} className="w-28" value={draft.tag} onChange={(e) => setDraft({ ...draft, tag: e.target.value })} />
        <div className="w-44">
          <Select ariaLabel={t('Type')} value={state.type} onValueChange={(v) => setState({ type: v, p: 1 })} options={typeOptions} />
        </div>
        <div className="w-36">
          <Select
            ariaLabel={t('Status')}
            value={state.status}
            onValueChange={(v) => setState({ status: v, p: 1 })}
            options={[
              { value: '', label: t('All statuses') },
              { value: 'enabled', label: t('Enabled') },
              { value: 'disabled', label: t('Disabled') },
            ]}
          />
        </div>
        <div className="w-32">
          <Select
            ariaLabel={t('Group')}
            value={state.group}
            onValueChange={(v) => setState({ group: v, p: 1 })}
            options={[{ value: '', label: t('All groups') }, ...(groups.data ?? ['default']).map((g) => ({ value: g, label: g }))]}
          />
        </div>
        <Button type="submit" variant="outline">
          <Search /> {t('Search')}
        </Button>
        <Button variant="ghost" onClick={() => { setDraft(DEFAULTS); setState(DEFAULTS) }}>
          <RotateCcw /> {t('Reset')}
        </Button>
      </form>
      {selectedIds.length > 0 && (
        <div className="mb-3 flex flex-wrap items-center gap-2 rounded-lg border bg-muted/40 px-3 py-2 text-sm" role="toolbar" aria-label={t('Batch actions')}>
          <span>{t('{{n}} selected', { n: selectedIds.length })}</span>
          <Button size="sm" variant="outline" onClick={() => void run(() => channelsApi.setStatusMany(selectedIds, 1), t('Enabled'))}>
            <Power /> {t('Enable')}
          </Button>
          <Button size="sm" variant="outline" onClick={() => void run(() => channelsApi.setStatusMany(selectedIds, 2), t('Disabled'))}>
            <PowerOff /> {t('Disable')}
          </Button>
          <Button
            size="sm"
            variant="outline"
            onClick={() => {
              const tag = window.prompt(t('Tag for the selected channels (empty clears it)'))
              if (tag !== null) void run(() => channelsApi.setTag(selectedIds, tag.trim()), t('Saved'))
            }}
          >
            <Tag /> {t('Set tag')}
          </Button>
          <Button size="sm" variant="destructive" onClick={() => void removeMany(selectedIds)}>
            <Trash2 /> {t('Delete')}
          </Button>
        </div>
      )}
      <DataTable
        label={t('Channels')}
        columns={columns}
        data={list.data?.items ?? []}
        total={list.data?.total ?? 0}
        loading={list.isFetching}
        pagination={{ pageIndex: state.p - 1, pageSize: state.size }}
        onPaginationChange={(p) => setState({ p: p.pageIndex + 1, size: p.pageSize })}
        sorting={sorting}
        onSortingChange={(u) => {
          const next = typeof u === 'function' ? u(sorting) : u
          setState({ sort: next[0]?.id ?? '', order: next[0] ? (next[0].desc ? 'desc' : 'asc') : '', p: 1 })
        }}
        rowSelection={selection}
        onRowSelectionChange={setSelection}
        getRowId={(r) => String(r.id)}
        empty={<EmptyState title={t('No channels yet')} hint={t('Add an upstream channel to start relaying.')} />}
      />
      <Dialog open={!!editing} onOpenChange={(o) => !o && setEditing(null)}>
        <DialogContent wide aria-describedby={undefined}>
          <DialogHeader>
            <DialogTitle>{editing === 'new' ? t('Add channel') : t('Edit channel')}</DialogTitle>
          </DialogHeader>
          {editing && <ChannelForm channel={editing === 'new' ? undefined : editing} busy={save.isPending} onSubmit={(mode, body) => save.mutate({ mode, body })} />}
        </DialogContent>
      </Dialog>
    </div>
  )
}
