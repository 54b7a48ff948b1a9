import { describe, expect, it } from 'vitest'
import { amountToQuota, formatCompact, formatQuota, quotaConfigFromStatus, quotaTitle, quotaToAmount } from './quota'

const usd = quotaConfigFromStatus({ quota_display_type: 'USD', quota_per_unit: 500000 })
const cny = quotaConfigFromStatus({ quota_display_type: 'CNY', quota_per_unit: 500000, usd_exchange_rate: 7.3 })
const tokens = quotaConfigFromStatus({ quota_display_type: 'TOKENS', quota_per_unit: 500000 })
const custom = quotaConfigFromStatus({ quota_display_type: 'CUSTOM', custom_currency_symbol: '€', custom_currency_exchange_rate: 0.9 })

describe('formatQuota', () => {
  it('shows USD with the QuotaPerUnit divisor', () => {
    expect(formatQuota(500000, usd)).toBe('$1.00')
    expect(formatQuota(1234567, usd)).toBe('$2.47')
    expect(formatQuota(0, usd)).toBe('$0.00')
  })
  it('converts to CNY with the exchange rate', () => {
    expect(formatQuota(500000, cny)).toBe('¥7.30')
  })
  it('shows raw units for TOKENS', () => {
    expect(formatQuota(1234567, tokens)).toBe('1,234,567')
  })
  it('uses the custom symbol and rate', () => {
    expect(formatQuota(500000, custom)).toBe('€0.90')
  })
  it('keeps small amounts from reading as zero', () => {
    expect(formatQuota(1, usd)).toBe('$0.000002')
    expect(formatQuota(30, usd)).toBe('$0.00006')
  })
  it('keeps the sign of negative amounts', () => {
    expect(formatQuota(-500000, usd)).toBe('-$1.00')
  })
  it('treats display_in_currency=false as tokens', () => {
    expect(quotaConfigFromStatus({ quota_display_type: 'USD', display_in_currency: false }).type).toBe('TOKENS')
  })
  it('defaults when the status is missing', () => {
    expect(formatQuota(250000)).toBe('$0.50')
  })
})

describe('amount ↔ quota', () => {
  it('round-trips USD and CNY', () => {
    expect(amountToQuota(1, usd)).toBe(500000)
    expect(amountToQuota(7.3, cny)).toBe(500000)
    expect(quotaToAmount(500000, cny)).toBeCloseTo(7.3)
    expect(amountToQuota(0.0000015, usd)).toBe(1)
    expect(amountToQuota(-2, usd)).toBe(-1000000)
  })
  it('is the identity for tokens', () => {
    expect(amountToQuota(12.6, tokens)).toBe(13)
  })
  it('gives raw units on hover', () => {
    expect(quotaTitle(1234567, usd)).toBe('1,234,567 quota')
    expect(quotaTitle(500000, tokens)).toBe('500,000 quota ≈ $1.0000')
  })
})

describe('formatCompact', () => {
  it('abbreviates', () => {
    expect(formatCompact(999)).toBe('999')
    expect(formatCompact(1234)).toBe('1.23K')
    expect(formatCompact(3450000)).toBe('3.45M')
    expect(formatCompact(12_000_000_000)).toBe('12B')
  })
})
