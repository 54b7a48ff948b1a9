import type { LogRow } from '@/api/types'

const COLUMNS: (keyof LogRow)[] = [
  'id', 'created_at', 'type', 'username', 'token_name', 'model_name', 'channel', 'group', 'prompt_tokens',
  'completion_tokens', 'quota', 'use_time', 'is_stream', 'ip', 'request_id', 'content',
]

function cell(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v)
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** Log rows → RFC 4180 CSV with a header line (time as ISO 8601). */
export function logsToCsv(rows: LogRow[]): string {
  const lines = [COLUMNS.join(',')]
  for (const r of rows) {
    lines.push(COLUMNS.map((c) => (c === 'created_at' ? new Date(r.created_at * 1000).toISOString() : cell(r[c]))).join(','))
  }
  return lines.join('\r\n') + '\r\n'
}
