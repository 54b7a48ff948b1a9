import { useMemo, useState } from 'react'
import { useMutation, useQuery, useQueryClient, keepPreviousData } from '@tanstack/react-query'
import { createColumnHelper, type RowSelectionState } from '@tanstack/react-table'
import { useTranslation } from 'react-i18next'
import { toast } from 'sonner'
import { Eye, MoreHorizontal, Pencil, Plus, Search, Terminal, Trash2 } from 'lucide-react'
import type { Token } from '@/api/types'
import { Button } from '@/components/ui/button'
import { Badge } from '@/components/ui/badge'
import { Input } from '@/components/ui/input'
import { Switch } from '@/components/ui/switch'
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from '@/components/ui/dialog'
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuTrigger } from '@/components/ui/dropdown-menu'
import { DataTable } from '@/components/common/data-table'
import { CopyButton } from '@/components/common/copy-button'
import { EmptyState, PageHeader } from '@/components/common/empty'
import { Quota } from '@/components/common/quota'
import { useConfirm } from '@/components/common/confirm'
import { useUrlState } from '@/lib/url-state'
import { formatTime } from '@/lib/utils'
import { fullKey, TOKEN_STATUS, tokensApi } from './api'
import { TokenForm } from './token-form'
import { UsagePanel } from './usage-panel'

const col = createColumnHelper<Token>()
const DEFAULTS = { p: 1, size: 10, keyword: '' }

export default function TokensPage() {
  const { t } = useTranslation()
  const qc = useQueryClient()
  const confirm = useConfirm()
  const [state, setState] = useUrlState(DEFAULTS)
  const [keyword, setKeyword] = useState(state.keyword)
  const [selection, setSelection] = useState<RowSelectionState>({})
  const [editing, setEditing] = useState<Token | 'new' | null>(null)
  const [created, setCreated] = useState<string | null>(null)
  const [usage, setUsage] = useState<string | null>(null)
  const query = useQuery({
    queryKey: ['tokens', state],
    queryFn: () => tokensApi.list({ p: state.p, page_size: state.size, keyword: state.keyword }),
    placeholderData: keepPreviousData,
  })
  const refresh = () => qc.invalidateQueries({ queryKey: ['tokens'] })
  const save = useMutation({
    mutationFn: async (body: Parameters<typeof tokensApi.create>[0]) => {
      if (editing && editing !== 'new') return { updated: await tokensApi.update({ ...body, id: editing.id, status: editing.status }) }
      return { created: await tokensApi.create(body) }
    },
    onSuccess: (r) => {
      setEditing(null)
      void refresh()
      if ('created' in r && r.created) setCreated(fullKey(r.created.key))
      else toast.success(t('Saved'))
    },
  })
  const toggle = useMutation({
    mutationFn: (v: { token: Token; on: boolean }) => tokensApi.setStatus(v.token, v.on ? 1 : 2),
    onSuccess: () => void refresh(),
  })
  const remove = async (ids: number[]) => {
    if (!(await confirm({ title: t('Delete {{n}} token(s)?', { n: ids.length }), confirmText: t('Delete') }))) return
    try {
      await tokensApi.removeMany(ids)
      toast.success(t('Deleted'))
      setSelection({})
      void refresh()
    } catch (e) {
      toast.error(t((e as Error).message))
    }
  }
  const columns = useMemo(
    () => [
      col.accessor('name', { header: () => t('Name'), cell: (c) => <span className="font-medium">{c.getValue()}</span> }),
      col.accessor('status', {
        header: () => t('Status'),
        cell: ({ row }) => {
          const s = TOKEN_STATUS[row.original.status] ?? TOKEN_STATUS[2]
          return (
            <div className="flex items-center gap-2">
              <Switch
                aria-label={t('Enabled')}
                checked={row.original.status === 1}
                disabled={row.original.status > 2}
                onClick={(e) => e.stopPropagation()}
                onCheckedChange={(on) => toggle.mutate({ token: row.original, on })}
              />
              <Badge variant={s.variant}>{t(s.label)}</Badge>
            </div>
          )
        },
      }),
      col.accessor('key', {
        header: () => t('Key'),
        cell: ({ row }) => (
          <div className="flex items-center gap-1">
            <code className="font-mono text-xs text-muted-foreground">sk-{row.original.key}</code>
            <CopyButton getText={() => tokensApi.key(row.original.id)} aria-label={t('Copy key')} title={t('Copy key')} data-testid="copy-key" />
          </div>
        ),
      }),
      col.accessor('remain_quota', {
        header: () => t('Remaining'),
        cell: ({ row }) => (row.original.unlimited_quota ? <Badge variant="secondary">{t('Unlimited')}</Badge> : <Quota value={row.original.remain_quota} />),
      }),
      col.accessor('used_quota', { header: () => t('Used'), cell: (c) => <Quota value={c.getValue()} /> }),
      col.accessor('group', { header: () => t('Group'), cell: (c) => c.getValue() || <span className="text-muted-foreground">{t('default')}</span> }),
      col.accessor('created_time', { header: () => t('Created'), cell: (c) => <span className="whitespace-nowrap text-xs">{formatTime(c.getValue())}</span> }),
      col.accessor('expired_time', {
        header: () => t('Expires'),
        cell: (c) => <span className="whitespace-nowrap text-xs">{c.getValue() > 0 ? formatTime(c.getValue()) : t('Never')}</span>,
      }),
      col.display({
        id: 'actions',
        header: () => <span className="sr-only">{t('Actions')}</span>,
        cell: ({ row }) => (
          <div className="flex justify-end gap-1">
            <Button variant="ghost" size="icon-sm" aria-label={t('Use it with')} title={t('Use it with')} onClick={async () => setUsage(await tokensApi.key(row.original.id))}>
              <Terminal />
            </Button>
            <DropdownMenu>
              <DropdownMenuTrigger asChild>
                <Button variant="ghost" size="icon-sm" aria-label={t('More actions')}>
                  <MoreHorizontal />
                </Button>
              </DropdownMenuTrigger>
              <DropdownMenuContent align="end">
                <DropdownMenuItem onSelect={async () => setCreated(await tokensApi.key(row.original.id))}>
                  <Eye /> {t('Show key')}
                </DropdownMenuItem>
                <DropdownMenuItem onSelect={() => setEditing(row.original)}>
                  <Pencil /> {t('Edit')}
                </DropdownMenuItem>
                <DropdownMenuItem className="text-destructive" onSelect={() => void remove([row.original.id])}>
                  <Trash2 /> {t('Delete')}
                </DropdownMenuItem>
              </DropdownMenuContent>
            </DropdownMenu>
          </div>
        ),
      }),
    ],
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [t],
  )
  const selectedIds = Object.keys(selection).filter((k) => selection[k]).map(Number)
  return (
    <div>
      <PageHeader
        title={t('Tokens')}
        description={t('API keys for calling the gateway.')}
        actions={
          <Button onClick={() => setEditing('new')} data-testid="add-token">
            <Plus /> {t('Add token')}
          </Button>
        }
      />
      <div className="mb-3 flex flex-wrap items-center gap-2">
        <form
          className="flex gap-2"
          role="search"
          onSubmit={(e) => {
            e.preventDefault()
            setState({ keyword, p: 1 })
          }}
        >
          <Input aria-label={t('Search tokens')} placeholder={t('Search by name')} value={keyword} onChange={(e) => setKeyword(e.target.value)} className="w-56" />
          <Button type="submit" variant="outline">
            <Search /> {t('Search')}
          </Button>
        </form>
        {selectedIds.length > 0 && (
          <Button variant="destructive" size="sm" onClick={() => void remove(selectedIds)}>
            <Trash2 /> {t('Delete selected ({{n}})', { n: selectedIds.length })}
          </Button>
        )}
      </div>
      <DataTable
        label={t('Tokens')}
        columns={columns}
        data={query.data?.items ?? []}
        total={query.data?.total ?? 0}
        loading={query.isFetching}
        pagination={{ pageIndex: state.p - 1, pageSize: state.size }}
        onPaginationChange={(p) => setState({ p: p.pageIndex + 1, size: p.pageSize })}
        rowSelection={selection}
        onRowSelectionChange={setSelection}
        getRowId={(r) => String(r.id)}
        empty={<EmptyState title={t('No tokens yet')} hint={t('Create a token to call the API.')} />}
      />
      <Dialog open={!!editing} onOpenChange={(o) => !o && setEditing(null)}>
        <DialogContent aria-describedby={undefined}>
          <DialogHeader>
            <DialogTitle>{editing === 'new' ? t('Add token') : t('Edit token')}</DialogTitle>
          </DialogHeader>
          {editing && <TokenForm token={editing === 'new' ? undefined : editing} onSubmit={(b) => save.mutate(b)} busy={save.isPending} />}
        </DialogContent>
      </Dialog>
      <Dialog open={!!created} onOpenChange={(o) => !o && setCreated(null)}>
        <DialogContent wide>
          <DialogHeader>
            <DialogTitle>{t('Your API key')}</DialogTitle>
            <DialogDescription>{t('Keep it secret. You can reveal it again from the token list.')}</DialogDescription>
          </DialogHeader>
          <div className="flex items-center gap-2">
            <Input readOnly value={created ?? ''} className="font-mono text-xs" aria-label={t('API key')} data-testid="created-key" />
            <CopyButton text={created ?? ''} />
          </div>
          {created && <UsagePanel apiKey={created} />}
        </DialogContent>
      </Dialog>
      <Dialog open={!!usage} onOpenChange={(o) => !o && setUsage(null)}>
        <DialogContent wide>
          <DialogHeader>
            <DialogTitle>{t('Use it with')}</DialogTitle>
            <DialogDescription>{t('Copy-ready examples with this site and this key.')}</DialogDescription>
          </DialogHeader>
          {usage && <UsagePanel apiKey={usage} />}
        </DialogContent>
      </Dialog>
    </div>
  )
}
