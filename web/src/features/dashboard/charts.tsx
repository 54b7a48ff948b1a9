import { Bar, BarChart, CartesianGrid, Cell, Legend, Pie, PieChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import type { QuotaDataRow } from '@/api/types'
import { formatQuota, type QuotaConfig } from '@/lib/quota'

const COLORS = ['var(--chart-1)', 'var(--chart-2)', 'var(--chart-3)', 'var(--chart-4)', 'var(--chart-5)', '#94a3b8']

export type Metric = 'count' | 'quota' | 'token_used'

function topModels(rows: QuotaDataRow[], metric: Metric, n = 5): string[] {
  const totals = new Map<string, number>()
  for (const r of rows) totals.set(r.model_name, (totals.get(r.model_name) ?? 0) + r[metric])
  return [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([m]) => m)
}

export function OverTimeChart({ rows, metric, cfg, bucket }: { rows: QuotaDataRow[]; metric: Metric; cfg: QuotaConfig; bucket: number }) {
  const models = topModels(rows, metric)
  const byTime = new Map<number, Record<string, number>>()
  for (const r of rows) {
    const t = Math.floor(r.created_at / bucket) * bucket
    const slot = byTime.get(t) ?? { t }
    const name = models.includes(r.model_name) ? r.model_name : 'other'
    slot[name] = (slot[name] ?? 0) + r[metric]
    byTime.set(t, slot)
  }
  const data = [...byTime.values()].sort((a, b) => a.t - b.t)
  const keys = [...models, ...(data.some((d) => d.other) ? ['other'] : [])]
  const fmt = (v: number) => (metric === 'quota' ? formatQuota(v, cfg) : v.toLocaleString())
  const label = (t: number) => {
    const d = new Date(t * 1000)
    return bucket >= 86400 ? `${d.getMonth() + 1}/${d.getDate()}` : `${d.getMonth() + 1}/${d.getDate()} ${String(d.getHours()).padStart(2, '0')}:00`
  }
  return (
    <ResponsiveContainer width="100%" height={280}>
      <BarChart data={data} margin={{ top: 8, right: 8, left: 0, bottom: 0 }}>
        <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" vertical={false} />
        <XAxis dataKey="t" tickFormatter={label} tick={{ fontSize: 11, fill: 'var(--muted-foreground)' }} stroke="var(--border)" />
        <YAxis tickFormatter={fmt} tick={{ fontSize: 11, fill: 'var(--muted-foreground)' }} stroke="var(--border)" width={70} allowDecimals={metric === 'quota'} />
        <Tooltip
          formatter={(v) => fmt(Number(v))}
          labelFormatter={(t) => label(Number(t))}
          contentStyle={{ background: 'var(--popover)', border: '1px solid var(--border)', borderRadius: 8, fontSize: 12, color: 'var(--popover-foreground)' }}
          cursor={{ fill: 'var(--muted)' }}
        />
        <Legend wrapperStyle={{ fontSize: 12 }} />
        {keys.map((k, i) => (
          <Bar key={k} dataKey={k} stackId="a" fill={COLORS[i % COLORS.length]} maxBarSize={40} isAnimationActive={false} />
        ))}
      </BarChart>
    </ResponsiveContainer>
  )
}

export function ModelShareChart({ rows, metric, cfg }: { rows: QuotaDataRow[]; metric: Metric; cfg: QuotaConfig }) {
  const totals = new Map<string, number>()
  for (const r of rows) totals.set(r.model_name, (totals.get(r.model_name) ?? 0) + r[metric])
  const sorted = [...totals.entries()].sort((a, b) => b[1] - a[1])
  const data = sorted.slice(0, 5).map(([name, value]) => ({ name, value }))
  const rest = sorted.slice(5).reduce((s, [, v]) => s + v, 0)
  if (rest) data.push({ name: 'other', value: rest })
  const fmt = (v: number) => (metric === 'quota' ? formatQuota(v, cfg) : v.toLocaleString())
  return (
    <ResponsiveContainer width="100%" height={280}>
      <PieChart>
        <Pie data={data} dataKey="value" nameKey="name" innerRadius={55} outerRadius={90} paddingAngle={2} isAnimationActive={false}>
          {data.map((_, i) => (
            <Cell key={i} fill={COLORS[i % COLORS.length]} stroke="var(--card)" />
          ))}
        </Pie>
        <Tooltip formatter={(v) => fmt(Number(v))} contentStyle={{ background: 'var(--popover)', border: '1px solid var(--border)', borderRadius: 8, fontSize: 12 }} />
        <Legend wrapperStyle={{ fontSize: 12 }} />
      </PieChart>
    </ResponsiveContainer>
  )
}
