/** Filters → query strings: one place that decides how the console spells its /api queries. */

export type QueryValue = string | number | boolean | null | undefined | Date
export type QueryParams = Record<string, QueryValue | QueryValue[]>

function one(v: QueryValue): string | null {
  if (v === null || v === undefined) return null
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : String(Math.floor(v.getTime() / 1000))
  if (typeof v === 'boolean') return v ? 'true' : 'false'
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : null
  const s = v.trim()
  return s === '' ? null : s
}

/** `{p: 1, model_name: '', start: Date}` → "p=1&start=1700000000" (empties dropped, keys in order). */
export function toQueryString(params: QueryParams): string {
  const search = new URLSearchParams()
  for (const [key, raw] of Object.entries(params)) {
    const values = Array.isArray(raw) ? raw : [raw]
    for (const v of values) {
      const s = one(v)
      if (s !== null) search.append(key, s)
    }
  }
  return search.toString()
}

export function withQuery(path: string, params?: QueryParams): string {
  if (!params) return path
  const qs = toQueryString(params)
  return qs ? `${path}${path.includes('?') ? '&' : '?'}${qs}` : path
}

/** `<input type="datetime-local">` value → unix seconds (0 when empty). */
export function localInputToSeconds(value: string): number {
  if (!value) return 0
  const t = new Date(value).getTime()
  return Number.isNaN(t) ? 0 : Math.floor(t / 1000)
}

/** unix seconds → `<input type="datetime-local">` value. */
export function secondsToLocalInput(seconds: number): string {
  if (!seconds) return ''
  const d = new Date(seconds * 1000)
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`
}

/** TanStack Table sorting state → new-api's sort_by / sort_order. */
export function sortParams(sorting: { id: string; desc: boolean }[]): { sort_by?: string; sort_order?: string } {
  const first = sorting[0]
  if (!first) return {}
  return { sort_by: first.id, sort_order: first.desc ? 'desc' : 'asc' }
}
