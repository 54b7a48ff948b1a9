/** Quota units ↔ what the console shows, per the QuotaDisplayType option (new-api: USD, CNY, TOKENS, CUSTOM). */

export type QuotaDisplayType = 'USD' | 'CNY' | 'TOKENS' | 'CUSTOM'

export interface QuotaConfig {
  type: QuotaDisplayType
  /** Quota units per 1 USD (QuotaPerUnit, 500,000 by default). */
  quotaPerUnit: number
  /** Display currency per USD (USDExchangeRate for CNY, the custom rate for CUSTOM). */
  rate: number
  symbol: string
}

export const DEFAULT_QUOTA_CONFIG: QuotaConfig = { type: 'USD', quotaPerUnit: 500000, rate: 1, symbol: '$' }

interface StatusLike {
  quota_display_type?: string | null
  quota_per_unit?: number | null
  usd_exchange_rate?: number | null
  display_in_currency?: boolean | null
  custom_currency_symbol?: string | null
  custom_currency_exchange_rate?: number | null
}

export function quotaConfigFromStatus(status: StatusLike | null | undefined): QuotaConfig {
  if (!status) return DEFAULT_QUOTA_CONFIG
  const raw = String(status.quota_display_type || 'USD').toUpperCase()
  let type: QuotaDisplayType = raw === 'CNY' || raw === 'TOKENS' || raw === 'CUSTOM' ? raw : 'USD'
  if (status.display_in_currency === false) type = 'TOKENS'
  const quotaPerUnit = status.quota_per_unit && status.quota_per_unit > 0 ? status.quota_per_unit : 500000
  if (type === 'CNY') return { type, quotaPerUnit, rate: status.usd_exchange_rate || 7.3, symbol: '¥' }
  if (type === 'CUSTOM')
    return { type, quotaPerUnit, rate: status.custom_currency_exchange_rate || 1, symbol: status.custom_currency_symbol || '¤' }
  if (type === 'TOKENS') return { type, quotaPerUnit, rate: 1, symbol: '' }
  return { type, quotaPerUnit, rate: 1, symbol: '$' }
}

/** 1234 → "1,234"; 1234567 → "1,234,567". */
export function formatInteger(n: number): string {
  return Math.round(n).toLocaleString('en-US')
}

/** Token counts, compact: 999, 1.2K, 3.45M, 1.2B. */
export function formatCompact(n: number): string {
  const abs = Math.abs(n)
  const sign = n < 0 ? '-' : ''
  const fmt = (v: number) => String(Number(v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)))
  if (abs >= 1e9) return sign + fmt(abs / 1e9) + 'B'
  if (abs >= 1e6) return sign + fmt(abs / 1e6) + 'M'
  if (abs >= 1e3) return sign + fmt(abs / 1e3) + 'K'
  return sign + String(Math.round(abs))
}

/** The money amount a quota stands for, in the display currency (TOKENS: the quota itself). */
export function quotaToAmount(quota: number, cfg: QuotaConfig): number {
  if (cfg.type === 'TOKENS') return quota
  return (quota / cfg.quotaPerUnit) * cfg.rate
}

/** A display-currency amount back to integer quota (rounded half away from zero). */
export function amountToQuota(amount: number, cfg: QuotaConfig): number {
  if (!Number.isFinite(amount)) return 0
  if (cfg.type === 'TOKENS') return Math.round(amount)
  const q = (amount / cfg.rate) * cfg.quotaPerUnit
  return Math.sign(q) * Math.round(Math.abs(q))
}

/**
 * "$1.23", "¥8.98", "1,234,567" (tokens). Small non-zero amounts keep enough digits to not read as
 * zero ("$0.000002"), like new-api's renderQuota.
 */
export function formatQuota(quota: number | null | undefined, cfg: QuotaConfig = DEFAULT_QUOTA_CONFIG, digits = 2): string {
  const q = Number(quota || 0)
  if (cfg.type === 'TOKENS') return formatInteger(q)
  const amount = quotaToAmount(q, cfg)
  const sign = amount < 0 ? '-' : ''
  const abs = Math.abs(amount)
  let text = abs.toFixed(digits)
  if (abs > 0 && Number(text) === 0) {
    const needed = Math.min(Math.ceil(-Math.log10(abs)), 8)
    text = abs.toFixed(needed)
  }
  return `${sign}${cfg.symbol}${text}`
}

/** The hover text: raw units, and the USD value when shown in another currency. */
export function quotaTitle(quota: number | null | undefined, cfg: QuotaConfig = DEFAULT_QUOTA_CONFIG): string {
  const q = Number(quota || 0)
  const usd = q / cfg.quotaPerUnit
  return cfg.type === 'TOKENS' ? `${formatInteger(q)} quota ≈ $${usd.toFixed(4)}` : `${formatInteger(q)} quota`
}
