import { useMemo, useState } from 'react'
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { createColumnHelper } from '@tanstack/react-table'
import { useTranslation } from 'react-i18next'
import { toast } from 'sonner'
import { Plus, Search, Trash2, Eraser } from 'lucide-react'
import { api } from '@/api/client'
import type { Page, Redemption } from '@/api/types'
import { Badge } from '@/components/ui/badge'
import { Button } from '@/components/ui/button'
import { Input, Textarea } from '@/components/ui/input'
import { Switch } from '@/components/ui/switch'
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from '@/components/ui/dialog'
import { DataTable } from '@/components/common/data-table'
import { CopyButton } from '@/components/common/copy-button'
import { EmptyState, Field, PageHeader } from '@/components/common/empty'
import { Quota } from '@/components/common/quota'
import { useConfirm } from '@/components/common/confirm'
import { useQuotaConfig } from '@/lib/status'
import { amountToQuota } from '@/lib/quota'
import { localInputToSeconds } from '@/lib/query'
import { useUrlState } from '@/lib/url-state'
import { formatTime } from '@/lib/utils'

const col = createColumnHelper<Redemption>()
const DEFAULTS = { p: 1, size: 20, keyword: '' }
const STATUS: Record<number, { label: string; variant: 'success' | 'secondary' | 'warning' }> = {
  1: { label: 'Unused', variant: 'success' },
  2: { label: 'Disabled', variant: 'secondary' },
  3: { label: 'Used', variant: 'warning' },
}

export default function RedemptionsPage() {
  const { t } = useTranslation()
  const qc = useQueryClient()
  const confirm = useConfirm()
  const cfg = useQuotaConfig()
  const [state, setState] = useUrlState(DEFAULTS)
  const [keyword, setKeyword] = useState(state.keyword)
  const [creating, setCreating] = useState(false)
  const [form, setForm] = useState({ name: '', count: '1', amount: '10', expires: '' })
  const [keys, setKeys] = useState<string[] | null>(null)
  const list = useQuery({
    queryKey: ['redemptions', state],
    queryFn: () =>
      state.keyword
        ? api.get<Page<Redemption>>('/api/redemption/search', { keyword: state.keyword, p: state.p, page_size: state.size })
        : api.get<Page<Redemption>>('/api/redemption/', { p: state.p, page_size: state.size }),
    placeholderData: keepPreviousData,
  })
  const refresh = () => qc.invalidateQueries({ queryKey: ['redemptions'] })
  const create = useMutation({
    mutationFn: () =>
      api.post<string[]>('/api/redemption/', {
        name: form.name,
        count: Number(form.count),
        quota: amountToQuota(Number(form.amount), cfg),
        expired_time: form.expires ? localInputToSeconds(form.expires) : 0,
      }),
    onSuccess: (k) => {
      setCreating(false)
      setKeys(k ?? [])
      void refresh()
    },
  })
  const setStatus = useMutation({ mutationFn: (r: Redemption & { next: number }) => api.put('/api/redemption/?status_only=true', { id: r.id, status: r.next }), onSuccess: () => void refresh() })
  const remove = async (r: Redemption) => {
    if (!(await confirm({ title: t('Delete redemption code {{name}}?', { name: r.name }), confirmText: t('Delete') }))) return
    await api.delete(`/api/redemption/${r.id}`).then(() => refresh(), (e: Error) => toast.error(t(e.message)))
  }
  const clearInvalid = async () => {
    if (!(await confirm({ title: t('Delete every used, disabled or expired code?'), confirmText: t('Delete') }))) return
    await api.delete<number>('/api/redemption/invalid').then((n) => { toast.success(t('Deleted {{n}}', { n })); void refresh() }, (e: Error) => toast.error(t(e.message)))
  }
  const columns = useMemo(
    () => [
      col.accessor('id', { header: 'ID' }),
      col.accessor('name', { header: () => t('Name') }),
      col.accessor('status', {
        header: () => t('Status'),
        cell: ({ row }) => {
          const r = row.original
          const s = STATUS[r.status] ?? STATUS[2]
          return (
            <div className="flex items-center gap-2">
              {r.status !== 3 && <Switch aria-label={t('Enabled')} checked={r.status === 1} onCheckedChange={(on) => setStatus.mutate({ ...r, next: on ? 1 : 2 })} />}
              <Badge variant={s.variant}>{t(s.label)}</Badge>
            </div>
          )
        },
      }),
      col.accessor('quota', { header: () => t('Quota'), cell: (c) => <Quota value={c.getValue()} /> }),
      col.accessor('created_time', { header: () => t('Created'), cell: (c) => <span className="text-xs">{formatTime(c.getValue())}</span> }),
      col.accessor('redeemed_time', { header: () => t('Redeemed'), cell: (c) => <span className="text-xs">{c.getValue() ? `${formatTime(c.getValue())} · #${c.row.original.used_user_id}` : '-'}</span> }),
      col.accessor('expired_time', { header: () => t('Expires'), cell: (c) => <span className="text-xs">{c.getValue() ? formatTime(c.getValue()) : t('Never')}</span> }),
      col.display({
        id: 'actions',
        header: () => <span className="sr-only">{t('Actions')}</span>,
        cell: ({ row }) => (
          <div className="flex justify-end gap-1">
            <CopyButton text={row.original.key} aria-label={t('Copy code')} />
            <Button variant="ghost" size="icon-sm" aria-label={t('Delete')} onClick={() => void remove(row.original)}>
              <Trash2 />
            </Button>
          </div>
        ),
      }),
    ],
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [t],
  )
  return (
    <div>
      <PageHeader
        title={t('Redemption codes')}
        actions={
          <>
            <Button variant="outline" onClick={() => void clearInvalid()}><Eraser /> {t('Clear invalid')}</Button>
            <Button onClick={() => setCreating(true)}><Plus /> {t('Add codes')}</Button>
          </>
        }
      />
      <form className="mb-3 flex gap-2" role="search" onSubmit={(e) => { e.preventDefault(); setState({ keyword, p: 1 }) }}>
        <Input aria-label={t('Search codes')} placeholder={t('ID or name')} className="w-64" value={keyword} onChange={(e) => setKeyword(e.target.value)} />
        <Button type="submit" variant="outline"><Search /> {t('Search')}</Button>
      </form>
      <DataTable
        label={t('Redemption codes')}
        columns={columns}
        data={list.data?.items ?? []}
        total={list.data?.total ?? 0}
        loading={list.isFetching}
        pagination={{ pageIndex: state.p - 1, pageSize: state.size }}
        onPaginationChange={(p) => setState({ p: p.pageIndex + 1, size: p.pageSize })}
        empty={<EmptyState title={t('No redemption codes')} />}
      />
      <Dialog open={creating} onOpenChange={setCreating}>
        <DialogContent aria-describedby={undefined}>
          <DialogHeader><DialogTitle>{t('Add codes')}</DialogTitle></DialogHeader>
          <form className="grid gap-4" onSubmit={(e) => { e.preventDefault(); create.mutate() }}>
            <Field label={t('Name')} htmlFor="r-name"><Input id="r-name" required maxLength={20} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} /></Field>
            <div className="grid grid-cols-2 gap-4">
              <Field label={t('How many')} htmlFor="r-count"><Input id="r-count" type="number" min={1} max={100} value={form.count} onChange={(e) => setForm({ ...form, count: e.target.value })} /></Field>
              <Field label={cfg.type === 'TOKENS' ? t('Quota') : t('Quota ({{symbol}})', { symbol: cfg.symbol })} htmlFor="r-amount"><Input id="r-amount" type="number" step="any" min={0} value={form.amount} onChange={(e) => setForm({ ...form, amount: e.target.value })} /></Field>
            </div>
            <Field label={t('Expires')} htmlFor="r-expires" hint={t('Empty means never')}><Input id="r-expires" type="datetime-local" value={form.expires} onChange={(e) => setForm({ ...form, expires: e.target.value })} /></Field>
            <div className="flex justify-end"><Button type="submit" disabled={create.isPending}>{t('Create')}</Button></div>
          </form>
        </DialogContent>
      </Dialog>
      <Dialog open={!!keys} onOpenChange={(o) => !o && setKeys(null)}>
        <DialogContent>
          <DialogHeader>
            <DialogTitle>{t('New codes')}</DialogTitle>
            <DialogDescription>{t('Copy them now; give one to each user.')}</DialogDescription>
          </DialogHeader>
          <Textarea readOnly rows={6} className="font-mono text-xs" value={(keys ?? []).join('\n')} aria-label={t('New codes')} />
          <div className="flex justify-end"><CopyButton text={(keys ?? []).join('\n')} label={t('Copy all')} variant="outline" /></div>
        </DialogContent>
      </Dialog>
    </div>
  )
}
