import { useMemo, useState } from 'react'
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { createColumnHelper } from '@tanstack/react-table'
import { useForm } from 'react-hook-form'
import { zodResolver } from '@hookform/resolvers/zod'
import { z } from 'zod'
import { useTranslation } from 'react-i18next'
import { toast } from 'sonner'
import { ArrowDown, ArrowUp, Ban, CheckCircle2, Coins, MoreHorizontal, Pencil, Plus, Search, Trash2 } from 'lucide-react'
import { api } from '@/api/client'
import type { Page, User } from '@/api/types'
import { Badge } from '@/components/ui/badge'
import { Button } from '@/components/ui/button'
import { Input } from '@/components/ui/input'
import { Dialog, DialogContent, DialogHeader, DialogTitle } from '@/components/ui/dialog'
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuSeparator, DropdownMenuTrigger } from '@/components/ui/dropdown-menu'
import { DataTable } from '@/components/common/data-table'
import { EmptyState, Field, PageHeader } from '@/components/common/empty'
import { Quota } from '@/components/common/quota'
import { useConfirm } from '@/components/common/confirm'
import { useQuotaConfig } from '@/lib/status'
import { amountToQuota, quotaToAmount } from '@/lib/quota'
import { useUrlState } from '@/lib/url-state'
import { ROLE_ADMIN, ROLE_ROOT } from '@/lib/auth'

const col = createColumnHelper<User>()
const DEFAULTS = { p: 1, size: 20, keyword: '' }
const ROLES: Record<number, string> = { 1: 'User', 10: 'Admin', 100: 'Root' }

const schema = z.object({
  username: z.string().trim().min(1, 'Enter a username').max(20, 'At most 20 characters'),
  display_name: z.string().max(20, 'At most 20 characters'),
  password: z.string().refine((v) => v === '' || v.length >= 8, 'At least 8 characters'),
  group: z.string(),
  amount: z.number({ message: 'Enter a number' }),
  remark: z.string(),
})
type Values = z.infer<typeof schema>

function UserForm({ user, onDone }: { user?: User; onDone: () => void }) {
  const { t } = useTranslation()
  const cfg = useQuotaConfig()
  const form = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: {
      username: user?.username ?? '',
      display_name: user?.display_name ?? '',
      password: '',
      group: user?.group ?? 'default',
      amount: user ? Number(quotaToAmount(user.quota, cfg).toFixed(6)) : 0,
      remark: user?.remark ?? '',
    },
  })
  const e = form.formState.errors
  const submit = form.handleSubmit(async (v) => {
    try {
      if (user) {
        await api.put('/api/user/', {
          id: user.id,
          username: v.username,
          display_name: v.display_name,
          password: v.password || undefined,
          group: v.group,
          quota: amountToQuota(v.amount, cfg),
          remark: v.remark,
        })
      } else {
        if (!v.password) return form.setError('password', { message: 'At least 8 characters' })
        await api.post('/api/user/', { username: v.username, display_name: v.display_name, password: v.password, remark: v.remark })
      }
      toast.success(t('Saved'))
      onDone()
    } catch (err) {
      toast.error(t((err as Error).message))
    }
  })
  return (
    <form onSubmit={submit} className="grid gap-4" noValidate>
      <Field label={t('Username')} htmlFor="u-username" error={e.username && t(e.username.message!)}>
        <Input id="u-username" {...form.register('username')} aria-invalid={!!e.username} />
      </Field>
      <Field label={t('Display name')} htmlFor="u-display">
        <Input id="u-display" {...form.register('display_name')} />
      </Field>
      <Field label={t('Password')} htmlFor="u-password" hint={user ? t('Empty keeps the current password') : undefined} error={e.password && t(e.password.message!)}>
        <Input id="u-password" type="password" autoComplete="new-password" {...form.register('password')} aria-invalid={!!e.password} />
      </Field>
      {user && (
        <>
          <Field label={t('Group')} htmlFor="u-group">
            <Input id="u-group" {...form.register('group')} />
          </Field>
          <Field label={cfg.type === 'TOKENS' ? t('Quota') : t('Quota ({{symbol}})', { symbol: cfg.symbol })} htmlFor="u-quota" error={e.amount && t(e.amount.message!)}>
            <Input id="u-quota" type="number" step="any" {...form.register('amount', { valueAsNumber: true })} />
          </Field>
        </>
      )}
      <Field label={t('Remark')} htmlFor="u-remark">
        <Input id="u-remark" {...form.register('remark')} />
      </Field>
      <div className="flex justify-end">
        <Button type="submit" disabled={form.formState.isSubmitting}>
          {user ? t('Save') : t('Create')}
        </Button>
      </div>
    </form>
  )
}

export default function UsersPage() {
  const { t } = useTranslation()
  const qc = useQueryClient()
  const confirm = useConfirm()
  const cfg = useQuotaConfig()
  const [state, setState] = useUrlState(DEFAULTS)
  const [keyword, setKeyword] = useState(state.keyword)
  const [editing, setEditing] = useState<User | 'new' | null>(null)
  const [topping, setTopping] = useState<User | null>(null)
  const [amount, setAmount] = useState('')
  const list = useQuery({
    queryKey: ['users', state],
    queryFn: () =>
      state.keyword
        ? api.get<Page<User>>('/api/user/search', { keyword: state.keyword, p: state.p, page_size: state.size })
        : api.get<Page<User>>('/api/user/', { p: state.p, page_size: state.size }),
    placeholderData: keepPreviousData,
  })
  const refresh = () => qc.invalidateQueries({ queryKey: ['users'] })
  const manage = useMutation({
    mutationFn: (body: { id: number; action: string; value?: number; mode?: string }) => api.post('/api/user/manage', body),
    onSuccess: () => {
      toast.success(t('Saved'))
      void refresh()
    },
  })
  const act = async (u: User, action: string) => {
    if (action === 'delete' && !(await confirm({ title: t('Delete user {{name}}?', { name: u.username }), confirmText: t('Delete') }))) return
    manage.mutate({ id: u.id, action })
  }
  const columns = useMemo(
    () => [
      col.accessor('id', { header: 'ID' }),
      col.accessor('username', {
        header: () => t('Username'),
        cell: ({ row }) => (
          <div>
            <div className="font-medium">{row.original.username}</div>
            {row.original.display_name && <div className="text-xs text-muted-foreground">{row.original.display_name}</div>}
          </div>
        ),
      }),
      col.accessor('role', { header: () => t('Role'), cell: (c) => <Badge variant={c.getValue() >= ROLE_ADMIN ? 'default' : 'secondary'}>{t(ROLES[c.getValue()] ?? 'User')}</Badge> }),
      col.accessor('status', { header: () => t('Status'), cell: (c) => <Badge variant={c.getValue() === 1 ? 'success' : 'destructive'}>{c.getValue() === 1 ? t('Enabled') : t('Disabled')}</Badge> }),
      col.accessor('group', { header: () => t('Group') }),
      col.accessor('quota', { header: () => t('Balance'), cell: (c) => <Quota value={c.getValue()} /> }),
      col.accessor('used_quota', { header: () => t('Used'), cell: (c) => <Quota value={c.getValue()} /> }),
      col.accessor('request_count', { header: () => t('Requests'), cell: (c) => c.getValue().toLocaleString() }),
      col.display({
        id: 'actions',
        header: () => <span className="sr-only">{t('Actions')}</span>,
        cell: ({ row }) => {
          const u = row.original
          return (
            <DropdownMenu>
              <DropdownMenuTrigger asChild>
                <Button variant="ghost" size="icon-sm" aria-label={t('More actions')} disabled={u.role >= ROLE_ROOT}>
                  <MoreHorizontal />
                </Button>
              </DropdownMenuTrigger>
              <DropdownMenuContent align="end">
                <DropdownMenuItem onSelect={() => setEditing(u)}>
                  <Pencil /> {t('Edit')}
                </DropdownMenuItem>
                <DropdownMenuItem onSelect={() => { setTopping(u); setAmount('') }}>
                  <Coins /> {t('Adjust quota')}
                </DropdownMenuItem>
                {u.status === 1 ? (
                  <DropdownMenuItem onSelect={() => void act(u, 'disable')}>
                    <Ban /> {t('Disable')}
                  </DropdownMenuItem>
                ) : (
                  <DropdownMenuItem onSelect={() => void act(u, 'enable')}>
                    <CheckCircle2 /> {t('Enable')}
                  </DropdownMenuItem>
                )}
                {u.role < ROLE_ADMIN ? (
                  <DropdownMenuItem onSelect={() => void act(u, 'promote')}>
                    <ArrowUp /> {t('Make admin')}
                  </DropdownMenuItem>
                ) : (
                  <DropdownMenuItem onSelect={() => void act(u, 'demote')}>
                    <ArrowDown /> {t('Make plain user')}
                  </DropdownMenuItem>
                )}
                <DropdownMenuSeparator />
                <DropdownMenuItem className="text-destructive" onSelect={() => void act(u, 'delete')}>
                  <Trash2 /> {t('Delete')}
                </DropdownMenuItem>
              </DropdownMenuContent>
            </DropdownMenu>
          )
        },
      }),
    ],
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [t],
  )
  return (
    <div>
      <PageHeader title={t('Users')} actions={<Button onClick={() => setEditing('new')}><Plus /> {t('Add user')}</Button>} />
      <form className="mb-3 flex gap-2" role="search" onSubmit={(e) => { e.preventDefault(); setState({ keyword, p: 1 }) }}>
        <Input aria-label={t('Search users')} placeholder={t('ID, username, display name or email')} className="w-72" value={keyword} onChange={(e) => setKeyword(e.target.value)} />
        <Button type="submit" variant="outline"><Search /> {t('Search')}</Button>
      </form>
      <DataTable
        label={t('Users')}
        columns={columns}
        data={list.data?.items ?? []}
        total={list.data?.total ?? 0}
        loading={list.isFetching}
        pagination={{ pageIndex: state.p - 1, pageSize: state.size }}
        onPaginationChange={(p) => setState({ p: p.pageIndex + 1, size: p.pageSize })}
        empty={<EmptyState title={t('No users found')} />}
      />
      <Dialog open={!!editing} onOpenChange={(o) => !o && setEditing(null)}>
        <DialogContent aria-describedby={undefined}>
          <DialogHeader><DialogTitle>{editing === 'new' ? t('Add user') : t('Edit user')}</DialogTitle></DialogHeader>
          {editing && <UserForm user={editing === 'new' ? undefined : editing} onDone={() => { setEditing(null); void refresh() }} />}
        </DialogContent>
      </Dialog>
      <Dialog open={!!topping} onOpenChange={(o) => !o && setTopping(null)}>
        <DialogContent aria-describedby={undefined}>
          <DialogHeader><DialogTitle>{t('Adjust quota of {{name}}', { name: topping?.username })}</DialogTitle></DialogHeader>
          <form
            className="grid gap-4"
            onSubmit={(e) => {
              e.preventDefault()
              const n = Number(amount)
              if (!topping || !Number.isFinite(n) || n === 0) return
              manage.mutate({ id: topping.id, action: 'add_quota', mode: n > 0 ? 'add' : 'subtract', value: Math.abs(amountToQuota(n, cfg)) }, { onSuccess: () => setTopping(null) })
            }}
          >
            <p className="text-sm text-muted-foreground">{t('Current balance')}: <Quota value={topping?.quota} /></p>
            <Field label={t('Amount to add (negative subtracts)')} htmlFor="adj-amount">
              <Input id="adj-amount" type="number" step="any" value={amount} onChange={(e) => setAmount(e.target.value)} />
            </Field>
            <div className="flex justify-end"><Button type="submit" disabled={manage.isPending}>{t('Apply')}</Button></div>
          </form>
        </DialogContent>
      </Dialog>
    </div>
  )
}
