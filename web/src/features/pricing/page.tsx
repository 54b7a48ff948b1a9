import { useMemo, useState } from 'react'
import { Link } from '@tanstack/react-router'
import { useQuery } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { Search } from 'lucide-react'
import { isMissingRoute, requestEnvelope } from '@/api/client'
import type { PricingModel } from '@/api/types'
import { Badge } from '@/components/ui/badge'
import { Button } from '@/components/ui/button'
import { Input } from '@/components/ui/input'
import { Select } from '@/components/ui/select'
import { Skeleton } from '@/components/ui/skeleton'
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table'
import { CopyButton } from '@/components/common/copy-button'
import { EmptyState } from '@/components/common/empty'
import { LanguageSwitch, ThemeToggle } from '@/components/layout/controls'
import { useAuth } from '@/lib/auth'
import { useQuotaConfig, useStatus } from '@/lib/status'

interface PricingEnvelope {
  data?: PricingModel[]
  group_ratio?: Record<string, number>
  usable_group?: Record<string, string>
}

/** new-api: ratio 1 = $0.002 per 1K tokens, i.e. $2 per 1M. */
const USD_PER_M_AT_RATIO_1 = 2

export default function PricingPage() {
  const { t } = useTranslation()
  const user = useAuth()
  const cfg = useQuotaConfig()
  const { data: status } = useStatus()
  const [keyword, setKeyword] = useState('')
  const [group, setGroup] = useState('')
  const q = useQuery({
    queryKey: ['pricing'],
    queryFn: async () => (await requestEnvelope<PricingModel[]>('GET', '/api/pricing')) as PricingEnvelope,
    meta: { silent: true },
    retry: false,
  })
  const groupRatio = q.data?.group_ratio ?? {}
  const ratio = group ? (groupRatio[group] ?? 1) : 1
  const money = (usd: number) => {
    const v = cfg.type === 'CNY' || cfg.type === 'CUSTOM' ? usd * cfg.rate : usd
    return `${cfg.type === 'TOKENS' ? '$' : cfg.symbol}${Number(v.toFixed(4))}`
  }
  const rows = useMemo(
    () =>
      (q.data?.data ?? [])
        .filter((m) => !keyword || m.model_name.toLowerCase().includes(keyword.toLowerCase()))
        .filter((m) => !group || (m.enable_groups ?? []).includes(group)),
    [q.data, keyword, group],
  )
  return (
    <div className="min-h-screen">
      <header className="sticky top-0 z-30 flex h-14 items-center gap-3 border-b bg-background/90 px-4 backdrop-blur">
        <Link to="/" className="flex items-center gap-2 font-semibold">
          <img src={status?.logo || '/favicon.svg'} alt="" className="size-7 rounded" />
          {status?.system_name || 'relaygate'}
        </Link>
        <span className="text-sm text-muted-foreground">{t('Pricing')}</span>
        <div className="ml-auto flex items-center gap-1">
          <LanguageSwitch />
          <ThemeToggle />
          <Button asChild size="sm" variant={user ? 'outline' : 'default'}>
            <Link to={user ? '/console' : '/login'}>{user ? t('Console') : t('Sign in')}</Link>
          </Button>
        </div>
      </header>
      <main className="mx-auto max-w-6xl p-4 md:p-6">
        <h1 className="text-2xl font-semibold tracking-tight">{t('Model pricing')}</h1>
        <p className="mt-1 text-sm text-muted-foreground">{t('Prices per 1M tokens, or per call for fixed-price models.')}</p>
        <div className="my-4 flex flex-wrap gap-2">
          <div className="relative">
            <Search className="absolute left-2.5 top-2.5 size-4 text-muted-foreground" />
            <Input aria-label={t('Search models')} placeholder={t('Search models')} className="w-64 pl-8" value={keyword} onChange={(e) => setKeyword(e.target.value)} />
          </div>
          <div className="w-48">
            <Select ariaLabel={t('Group')} value={group} onValueChange={setGroup} options={[{ value: '', label: t('All groups') }, ...Object.keys(groupRatio).map((g) => ({ value: g, label: `${g} ×${groupRatio[g]}` }))]} />
          </div>
        </div>
        <div className="rounded-xl border bg-card">
          {q.isLoading ? (
            <div className="grid gap-2 p-4">{Array.from({ length: 6 }).map((_, i) => <Skeleton key={i} className="h-8" />)}</div>
          ) : q.isError ? (
            <EmptyState title={isMissingRoute(q.error) ? t('Pricing is not published on this server yet.') : t((q.error as Error).message)} />
          ) : rows.length === 0 ? (
            <EmptyState title={t('No models match')} />
          ) : (
            <Table aria-label={t('Model pricing')}>
              <TableHeader>
                <TableRow>
                  <TableHead>{t('Model')}</TableHead>
                  <TableHead>{t('Billing')}</TableHead>
                  <TableHead>{t('Input')}</TableHead>
                  <TableHead>{t('Output')}</TableHead>
                  <TableHead>{t('Groups')}</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {rows.map((m) => {
                  const perCall = m.quota_type === 1
                  const input = m.model_ratio * USD_PER_M_AT_RATIO_1 * ratio
                  return (
                    <TableRow key={m.model_name}>
                      <TableCell>
                        <div className="flex items-center gap-1 font-mono text-xs">
                          {m.model_name}
                          <CopyButton text={m.model_name} />
                        </div>
                      </TableCell>
                      <TableCell>
                        <Badge variant={perCall ? 'warning' : 'secondary'}>{perCall ? t('Per call') : t('Per token')}</Badge>
                      </TableCell>
                      <TableCell className="tabular-nums">{perCall ? `${money(m.model_price * ratio)} / ${t('call')}` : `${money(input)} / 1M`}</TableCell>
                      <TableCell className="tabular-nums">{perCall ? '-' : `${money(input * (m.completion_ratio || 1))} / 1M`}</TableCell>
                      <TableCell>
                        <div className="flex flex-wrap gap-1">{(m.enable_groups ?? []).map((g) => <Badge key={g} variant="outline">{g}</Badge>)}</div>
                      </TableCell>
                    </TableRow>
                  )
                })}
              </TableBody>
            </Table>
          )}
        </div>
      </main>
    </div>
  )
}
