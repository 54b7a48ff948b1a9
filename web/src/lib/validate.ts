/** Validators for the JSON text fields the console edits (model mapping, ratio tables, JSON options). */

export type Checked<T> = { ok: true; value: T } | { ok: false; error: string }

function parseObject(text: string): Checked<Record<string, unknown>> {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (e) {
    return { ok: false, error: `Invalid JSON: ${(e as Error).message}` }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { ok: false, error: 'Must be a JSON object' }
  }
  return { ok: true, value: parsed as Record<string, unknown> }
}

/** A channel's model_mapping: '' or {"requested": "upstream"}, string → non-empty string, no self-map loops. */
export function validateModelMapping(text: string | null | undefined): Checked<Record<string, string>> {
  const trimmed = (text ?? '').trim()
  if (trimmed === '') return { ok: true, value: {} }
  const obj = parseObject(trimmed)
  if (!obj.ok) return obj
  const out: Record<string, string> = {}
  for (const [from, to] of Object.entries(obj.value)) {
    if (from.trim() === '') return { ok: false, error: 'Model names must not be empty' }
    if (typeof to !== 'string') return { ok: false, error: `Mapping for "${from}" must be a string` }
    if (to.trim() === '') return { ok: false, error: `Mapping for "${from}" must not be empty` }
    out[from] = to
  }
  // A chain that comes back to where it started would loop forever.
  for (const start of Object.keys(out)) {
    const seen = new Set([start])
    let cur = out[start]
    while (cur in out && cur !== out[cur]) {
      if (seen.has(cur)) return { ok: false, error: `Mapping loops through "${start}"` }
      seen.add(cur)
      cur = out[cur]
    }
  }
  return { ok: true, value: out }
}

/** A ratio/price table (ModelRatio, CompletionRatio, GroupRatio, ModelPrice): name → finite number ≥ 0. */
export function validateRatioTable(text: string | null | undefined): Checked<Record<string, number>> {
  const trimmed = (text ?? '').trim()
  if (trimmed === '') return { ok: true, value: {} }
  const obj = parseObject(trimmed)
  if (!obj.ok) return obj
  const out: Record<string, number> = {}
  for (const [key, v] of Object.entries(obj.value)) {
    if (key.trim() === '') return { ok: false, error: 'Names must not be empty' }
    if (typeof v !== 'number' || !Number.isFinite(v)) return { ok: false, error: `"${key}" must be a number` }
    if (v < 0) return { ok: false, error: `"${key}" must not be negative` }
    out[key] = v
  }
  return { ok: true, value: out }
}

/** Any JSON object (status code mapping, param/header override, other JSON options). */
export function validateJsonObject(text: string | null | undefined): Checked<Record<string, unknown>> {
  const trimmed = (text ?? '').trim()
  if (trimmed === '') return { ok: true, value: {} }
  return parseObject(trimmed)
}

/** A ratio typed in a table cell: a finite number ≥ 0. */
export function parseRatio(text: string): number | null {
  if (text.trim() === '') return null
  const n = Number(text)
  return Number.isFinite(n) && n >= 0 ? n : null
}

/** One IP, CIDR, or IPv6 per line (token allow-list). Returns the bad entries. */
export function invalidIps(text: string): string[] {
  const v4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}(\/(3[0-2]|[12]?\d))?$/
  const v6 = /^[0-9a-fA-F:]+(\/\d{1,3})?$/
  return text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean)
    .filter((ip) => !v4.test(ip) && !(ip.includes(':') && v6.test(ip)))
}
