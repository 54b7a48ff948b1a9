import { useMemo, useState } from 'react'
import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { createColumnHelper, type SortingState } from '@tanstack/react-table'
import { useTranslation } from 'react-i18next'
import { toast } from 'sonner'
import { Download, RotateCcw, Search } from 'lucide-react'
import type { LogRow } from '@/api/types'
import { apiFetch } from '@/api/client'
import { Badge } from '@/components/ui/badge'
import { Button } from '@/components/ui/button'
import { Input } from '@/components/ui/input'
import { Select } from '@/components/ui/select'
import { Dialog, DialogContent, DialogHeader, DialogTitle } from '@/components/ui/dialog'
import { DataTable } from '@/components/common/data-table'
import { EmptyState, PageHeader } from '@/components/common/empty'
import { Quota } from '@/components/common/quota'
import { CopyButton } from '@/components/common/copy-button'
import { useAuth, ROLE_ADMIN } from '@/lib/auth'
import { useUrlState } from '@/lib/url-state'
import { localInputToSeconds, secondsToLocalInput, withQuery } from '@/lib/query'
import { downloadFile, formatTime, nowSeconds } from '@/lib/utils'
import { LOG_TYPES, logQuery, logsApi, type LogFilters } from './api'

const col = createColumnHelper<LogRow>()
const TYPE_VARIANT: Record<number, 'default' | 'success' | 'secondary' | 'warning' | 'destructive'> = {
  1: 'success', 2: 'default', 3: 'secondary', 4: 'secondary', 5: 'destructive', 6: 'warning',
}
const DEFAULTS = {
  p: 1, size: 20, type: 0, start_timestamp: 0, end_timestamp: 0, token_name: '', model_name: '', channel: '',
  username: '', group: '', request_id: '',
}

function parseOther(row: LogRow): Record<string, unknown> | null {
  try {
    return row.other ? (JSON.parse(row.other) as Record<string, unknown>) : null
  } catch {
    return null
  }
}

export default function LogsPage() {
  const { t } = useTranslation()
  const admin = (useAuth()?.role ?? 0) >= ROLE_ADMIN
  const [state, setState] = useUrlState(DEFAULTS)
  const [draft, setDraft] = useState<LogFilters>(state)
  const [detail, setDetail] = useState<LogRow | null>(null)
  const [exporting, setExporting] = useState(false)
  const [sorting] = useState<SortingState>([])
  const filters = logQuery(state, admin)
  const list = useQuery({
    queryKey: ['logs', admin, state],
    queryFn: () => logsApi.list(admin, { ...filters, p: state.p, page_size: state.size }),
    placeholderData: keepPreviousData,
  })
  const stat = useQuery({ queryKey: ['log-stat', admin, filters], queryFn: () => logsApi.stat(admin, { ...filters, type: 2 }) })
  const types = LOG_TYPES.map((x) => ({ value: String(x.value), label: t(x.label) }))
  const columns = useMemo(
    () => [
      col.accessor('created_at', { header: () => t('Time'), cell: (c) => <span className="whitespace-nowrap text-xs">{formatTime(c.getValue())}</span> }),
      ...(admin
        ? [
            col.accessor('channel', { header: () => t('Channel'), cell: (c) => (c.getValue() ? <Badge variant="outline">{c.getValue()}{c.row.original.channel_name ? ` · ${c.row.original.channel_name}` : ''}</Badge> : '') }),
            col.accessor('username', { header: () => t('User') }),
          ]
        : []),
      col.accessor('token_name', { header: () => t('Token') }),
      col.accessor('type', {
        header: () => t('Type'),
        cell: (c) => <Badge variant={TYPE_VARIANT[c.getValue()] ?? 'secondary'}>{t(LOG_TYPES.find((x) => x.value === c.getValue())?.label ?? 'Unknown')}</Badge>,
      }),
      col.accessor('model_name', { header: () => t('Model'), cell: (c) => <span className="font-mono text-xs">{c.getValue()}</span> }),
      col.accessor('use_time', {
        header: () => t('Time used'),
        cell: (c) => (
          <span className="whitespace-nowrap text-xs">
            {c.getValue()}s {c.row.original.is_stream && <Badge variant="secondary">{t('stream')}</Badge>}
          </span>
        ),
      }),
      col.accessor('prompt_tokens', { header: () => t('Prompt'), cell: (c) => c.getValue().toLocaleString() }),
      col.accessor('completion_tokens', { header: () => t('Completion'), cell: (c) => c.getValue().toLocaleString() }),
      col.accessor('quota', { header: () => t('Cost'), cell: (c) => <Quota value={c.getValue()} digits={6} /> }),
      col.accessor('content', { header: () => t('Details'), cell: (c) => <span className="block max-w-64 truncate text-xs text-muted-foreground" title={c.getValue()}>{c.getValue()}</span> }),
    ],
    [t, admin],
  )
  const apply = (e?: React.FormEvent) => {
    e?.preventDefault()
    setState({ ...draft, p: 1 })
  }
  const exportCsv = async () => {
    setExporting(true)
    try {
      // the server streams every matching row (keyset batches); no 10,000-row cap here
      const path = withQuery(admin ? '/api/log/export' : '/api/log/self/export', filters)
      const response = await apiFetch(path)
      if (!response.ok) throw new Error(`HTTP ${response.status}`)
      const csv = await response.text()
      downloadFile(`logs-${new Date().toISOString().slice(0, 19)}.csv`, csv)
      const rows = Math.max(0, csv.split(/\r?\n/).filter((line) => line !== '').length - 1)
      toast.success(t('Exported {{n}} rows', { n: rows }))
    } catch (e) {
      toast.error(t((e as Error).message))
    } finally {
      setExporting(false)
    }
  }
  const text = (key: keyof LogFilters, label: string, width = 'w-36') => (
    <Input aria-label={label} placeholder={label} className={width} value={String(draft[key] ?? '')} onChange={(e) => setDraft({ ...draft, [key]: e.target.value })} />
  )
  return (
    <div>
      <PageHeader
        title={t('Usage logs')}
        actions={
          <Button variant="outline" onClick={exportCsv} disabled={exporting}>
            <Download /> {t('Export CSV')}
          </Button>
        }
      />
      <form onSubmit={apply} className="mb-3 flex flex-wrap items-center gap-2" role="search" aria-label={t('Log filters')}>
        <Input
          type="datetime-local"
          aria-label={t('From')}
          className="w-auto"
          value={secondsToLocalInput(draft.start_timestamp)}
          onChange={(e) => setDraft({ ...draft, start_timestamp: localInputToSeconds(e.target.value) })}
        />
        <span className="text-muted-foreground">–</span>
        <Input
          type="datetime-local"
          aria-label={t('To')}
          className="w-auto"
          value={secondsToLocalInput(draft.end_timestamp)}
          onChange={(e) => setDraft({ ...draft, end_timestamp: localInputToSeconds(e.target.value) })}
        />
        <div className="w-32">
          <Select ariaLabel={t('Type')} value={String(draft.type)} onValueChange={(v) => setDraft({ ...draft, type: Number(v) })} options={types} />
        </div>
        {text('token_name', t('Token name'))}
        {text('model_name', t('Model'))}
        {admin && text('channel', t('Channel ID'), 'w-28')}
        {admin && text('username', t('Username'), 'w-32')}
        {text('group', t('Group'), 'w-28')}
        {text('request_id', t('Request ID'), 'w-44')}
        <Button type="submit">
          <Search /> {t('Search')}
        </Button>
        <Button
          variant="ghost"
          onClick={() => {
            setDraft(DEFAULTS)
            setState(DEFAULTS)
          }}
        >
          <RotateCcw /> {t('Reset')}
        </Button>
        <Button variant="ghost" size="sm" onClick={() => setDraft({ ...draft, start_timestamp: nowSeconds() - 86400, end_timestamp: 0 })}>
          {t('Last 24 hours')}
        </Button>
      </form>
      <div className="mb-3 flex flex-wrap gap-2 text-sm" data-testid="log-stat">
        <Badge variant="default" className="text-sm">
          {t('Consumed')}: <Quota value={stat.data?.quota ?? 0} />
        </Badge>
        <Badge variant="secondary" className="text-sm">RPM: {stat.data?.rpm ?? 0}</Badge>
        <Badge variant="secondary" className="text-sm">TPM: {stat.data?.tpm ?? 0}</Badge>
      </div>
      <DataTable
        label={t('Usage logs')}
        columns={columns}
        data={list.data?.items ?? []}
        total={list.data?.total ?? 0}
        loading={list.isFetching}
        pagination={{ pageIndex: state.p - 1, pageSize: state.size }}
        onPaginationChange={(p) => setState({ p: p.pageIndex + 1, size: p.pageSize })}
        sorting={sorting}
        onRowClick={setDetail}
        empty={<EmptyState title={t('No logs match')} />}
      />
      <Dialog open={!!detail} onOpenChange={(o) => !o && setDetail(null)}>
        <DialogContent wide aria-describedby={undefined}>
          <DialogHeader>
            <DialogTitle>{t('Log detail')}</DialogTitle>
          </DialogHeader>
          {detail && (
            <dl className="grid grid-cols-[8rem_1fr] gap-x-4 gap-y-1.5 text-sm" data-testid="log-detail">
              {(
                [
                  ['ID', detail.id],
                  [t('Time'), formatTime(detail.created_at)],
                  [t('Request ID'), detail.request_id],
                  [t('User'), `${detail.username} (#${detail.user_id})`],
                  [t('Token'), `${detail.token_name} (#${detail.token_id})`],
                  [t('Model'), detail.model_name],
                  [t('Channel'), detail.channel ? `#${detail.channel} ${detail.channel_name}` : '-'],
                  [t('Group'), detail.group],
                  [t('Tokens'), `${detail.prompt_tokens} + ${detail.completion_tokens}`],
                  [t('Cost'), <Quota key="q" value={detail.quota} digits={6} />],
                  [t('Time used'), `${detail.use_time}s${detail.is_stream ? ` (${t('stream')})` : ''}`],
                  ['IP', detail.ip || '-'],
                  [t('Details'), detail.content],
                ] as [string, React.ReactNode][]
              ).map(([k, v]) => (
                <div key={k} className="contents">
                  <dt className="text-muted-foreground">{k}</dt>
                  <dd className="break-all">{v}</dd>
                </div>
              ))}
              {parseOther(detail) && (
                <div className="col-span-2 mt-2">
                  <div className="mb-1 flex items-center justify-between">
                    <span className="text-muted-foreground">{t('Billing details')}</span>
                    <CopyButton text={detail.other} />
                  </div>
                  <pre className="max-h-60 overflow-auto rounded bg-muted p-2 font-mono text-xs">{JSON.stringify(parseOther(detail), null, 2)}</pre>
                </div>
              )}
            </dl>
          )}
        </DialogContent>
      </Dialog>
    </div>
  )
}
