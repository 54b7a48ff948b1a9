import { lazy, Suspense, useMemo, useState } from 'react'
import { useQuery } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { Activity, Coins, Gauge, Hash, Wallet, Zap } from 'lucide-react'
import { api } from '@/api/client'
import type { SelfUser } from '@/api/types'
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card'
import { Skeleton } from '@/components/ui/skeleton'
import { Select } from '@/components/ui/select'
import { Quota } from '@/components/common/quota'
import { EmptyState, PageHeader } from '@/components/common/empty'
import { useQuotaConfig, useStatus } from '@/lib/status'
import { formatCompact } from '@/lib/quota'
import { nowSeconds } from '@/lib/utils'
import { logsApi, quotaData } from '@/features/logs/api'
import type { Metric } from './charts'

const Charts = lazy(() => import('./charts').then((m) => ({ default: m.OverTimeChart })))
const Share = lazy(() => import('./charts').then((m) => ({ default: m.ModelShareChart })))

const RANGES = { '1d': 86400, '7d': 7 * 86400, '30d': 30 * 86400 } as const

function Stat({ icon: Icon, label, value, loading, testId }: { icon: typeof Wallet; label: string; value: React.ReactNode; loading?: boolean; testId: string }) {
  return (
    <Card>
      <CardContent className="flex items-center gap-3 p-4">
        <div className="flex size-10 items-center justify-center rounded-lg bg-primary/10 text-primary">
          <Icon className="size-5" />
        </div>
        <div className="min-w-0">
          <p className="text-xs text-muted-foreground">{label}</p>
          {loading ? <Skeleton className="mt-1 h-6 w-20" /> : <p className="text-lg font-semibold" data-testid={testId}>{value}</p>}
        </div>
      </CardContent>
    </Card>
  )
}

export default function DashboardPage() {
  const { t } = useTranslation()
  const cfg = useQuotaConfig()
  const { data: status } = useStatus()
  const collected = !!status?.enable_data_export
  const [range, setRange] = useState<keyof typeof RANGES>('1d')
  const [metric, setMetric] = useState<Metric>('count')
  const end = useMemo(() => nowSeconds() + 3600, [])
  const start = end - RANGES[range] - 3600
  const self = useQuery({ queryKey: ['self'], queryFn: () => api.get<SelfUser>('/api/user/self') })
  const stat = useQuery({ queryKey: ['log-stat', 'self', start], queryFn: () => logsApi.stat(false, { type: 2, start_timestamp: start, end_timestamp: end }) })
  const data = useQuery({ queryKey: ['quota-data', start, end, collected], queryFn: () => quotaData(start, end, collected), enabled: !!status })
  const rows = data.data?.rows ?? []
  const totals = rows.reduce((a, r) => ({ count: a.count + r.count, tokens: a.tokens + r.token_used }), { count: 0, tokens: 0 })
  const bucket = range === '1d' ? 3600 : 86400
  return (
    <div>
      <PageHeader
        title={t('Dashboard')}
        description={self.data ? t('Hello, {{name}}', { name: self.data.display_name || self.data.username }) : undefined}
        actions={
          <div className="flex gap-2">
            <div className="w-40">
              <Select
                ariaLabel={t('Time range')}
                value={range}
                onValueChange={(v) => setRange(v as keyof typeof RANGES)}
                options={[
                  { value: '1d', label: t('Last 24 hours') },
                  { value: '7d', label: t('Last 7 days') },
                  { value: '30d', label: t('Last 30 days') },
                ]}
              />
            </div>
            <div className="w-32">
              <Select
                ariaLabel={t('Metric')}
                value={metric}
                onValueChange={(v) => setMetric(v as Metric)}
                options={[
                  { value: 'count', label: t('Requests') },
                  { value: 'quota', label: t('Quota') },
                  { value: 'token_used', label: t('Tokens') },
                ]}
              />
            </div>
          </div>
        }
      />
      <div className="grid grid-cols-2 gap-3 md:grid-cols-3 2xl:grid-cols-6">
        <Stat icon={Wallet} label={t('Balance')} loading={self.isLoading} value={<Quota value={self.data?.quota} />} testId="stat-balance" />
        <Stat icon={Coins} label={t('Used quota')} loading={self.isLoading} value={<Quota value={self.data?.used_quota} />} testId="stat-used" />
        <Stat icon={Hash} label={t('Requests')} loading={self.isLoading} value={(self.data?.request_count ?? 0).toLocaleString()} testId="stat-requests" />
        <Stat icon={Activity} label={t('Requests in range')} loading={data.isLoading} value={totals.count.toLocaleString()} testId="stat-range-requests" />
        <Stat icon={Gauge} label="RPM / TPM" loading={stat.isLoading} value={`${stat.data?.rpm ?? 0} / ${formatCompact(stat.data?.tpm ?? 0)}`} testId="stat-rpm" />
        <Stat icon={Zap} label={t('Tokens in range')} loading={data.isLoading} value={formatCompact(totals.tokens)} testId="stat-tokens" />
      </div>
      <div className="mt-4 grid gap-4 lg:grid-cols-3">
        <Card className="lg:col-span-2">
          <CardHeader>
            <CardTitle className="text-sm">{t('Usage over time')}</CardTitle>
          </CardHeader>
          <CardContent data-testid="chart-over-time" data-total={totals.count}>
            {data.isLoading ? <Skeleton className="h-[280px] w-full" /> : rows.length === 0 ? <EmptyState title={t('No usage in this range')} /> : (
              <Suspense fallback={<Skeleton className="h-[280px] w-full" />}>
                <Charts rows={rows} metric={metric} cfg={cfg} bucket={bucket} />
              </Suspense>
            )}
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle className="text-sm">{t('By model')}</CardTitle>
          </CardHeader>
          <CardContent data-testid="chart-by-model">
            {data.isLoading ? <Skeleton className="h-[280px] w-full" /> : rows.length === 0 ? <EmptyState title={t('No usage in this range')} /> : (
              <Suspense fallback={<Skeleton className="h-[280px] w-full" />}>
                <Share rows={rows} metric={metric} cfg={cfg} />
              </Suspense>
            )}
          </CardContent>
        </Card>
      </div>
      {data.data?.source === 'logs' && <p className="mt-2 text-xs text-muted-foreground">{t('Charts are computed from the latest log rows.')}</p>}
    </div>
  )
}
