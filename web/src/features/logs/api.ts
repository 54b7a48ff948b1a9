import { api, isMissingRoute } from '@/api/client'
import type { LogRow, LogStat, Page, QuotaDataRow } from '@/api/types'
import type { QueryParams } from '@/lib/query'

export const LOG_TYPES = [
  { value: 0, label: 'All' },
  { value: 1, label: 'Top-up' },
  { value: 2, label: 'Consumption' },
  { value: 3, label: 'Management' },
  { value: 4, label: 'System' },
  { value: 5, label: 'Error' },
  { value: 6, label: 'Refund' },
] as const

export interface LogFilters {
  type: number
  start_timestamp: number
  end_timestamp: number
  token_name: string
  model_name: string
  channel: string
  username: string
  group: string
  request_id: string
}

/** The admin list sees every user (and may filter by username and channel); others see their own rows. */
export function logQuery(f: LogFilters, admin: boolean): QueryParams {
  return {
    type: f.type || undefined,
    start_timestamp: f.start_timestamp || undefined,
    end_timestamp: f.end_timestamp || undefined,
    token_name: f.token_name,
    model_name: f.model_name,
    group: f.group,
    request_id: f.request_id,
    ...(admin ? { username: f.username, channel: f.channel || undefined } : {}),
  }
}

export const logsApi = {
  list: (admin: boolean, q: QueryParams) => api.get<Page<LogRow>>(admin ? '/api/log/' : '/api/log/self', q),
  stat: (admin: boolean, q: QueryParams) => api.get<LogStat>(admin ? '/api/log/stat' : '/api/log/self/stat', q),
}

/**
 * Usage per model per hour. /api/data/self when the server has it and collects it; otherwise
 * folded from the newest consumption log rows (up to 5 pages) so the dashboard still works.
 */
export async function quotaData(start: number, end: number, collected: boolean): Promise<{ rows: QuotaDataRow[]; source: 'data' | 'logs' }> {
  // Only read the hourly table when the site collects it (DataExportEnabled), as new-api does.
  if (collected) {
    try {
      const rows = await api.get<QuotaDataRow[]>('/api/data/self', { start_timestamp: start, end_timestamp: end, default_time: 'hour' })
      return { rows: rows ?? [], source: 'data' }
    } catch (e) {
      if (!isMissingRoute(e)) throw e
    }
  }
  const buckets = new Map<string, QuotaDataRow>()
  for (let p = 1; p <= 5; p++) {
    const page = await api.get<Page<LogRow>>('/api/log/self', { type: 2, start_timestamp: start, end_timestamp: end, p, page_size: 100 })
    for (const row of page.items) {
      const hour = Math.floor(row.created_at / 3600) * 3600
      const key = `${row.model_name}|${hour}`
      const b = buckets.get(key) ?? { model_name: row.model_name, created_at: hour, count: 0, quota: 0, token_used: 0 }
      b.count += 1
      b.quota += row.quota
      b.token_used += row.prompt_tokens + row.completion_tokens
      buckets.set(key, b)
    }
    if (page.items.length < 100 || p * 100 >= page.total) break
  }
  return { rows: [...buckets.values()], source: 'logs' }
}
