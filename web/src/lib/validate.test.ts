import { describe, expect, it } from 'vitest'
import { invalidIps, parseRatio, validateJsonObject, validateModelMapping, validateRatioTable } from './validate'

describe('validateModelMapping', () => {
  it('accepts empty text and a string map', () => {
    expect(validateModelMapping('')).toEqual({ ok: true, value: {} })
    expect(validateModelMapping('  ')).toEqual({ ok: true, value: {} })
    expect(validateModelMapping('{"gpt-4o": "gpt-4o-2024-11-20"}')).toEqual({ ok: true, value: { 'gpt-4o': 'gpt-4o-2024-11-20' } })
  })
  it('rejects broken JSON, arrays and non-string targets', () => {
    expect(validateModelMapping('{"a": ').ok).toBe(false)
    expect(validateModelMapping('["a"]')).toEqual({ ok: false, error: 'Must be a JSON object' })
    expect(validateModelMapping('{"a": 1}').ok).toBe(false)
    expect(validateModelMapping('{"a": ""}').ok).toBe(false)
    expect(validateModelMapping('{"": "b"}').ok).toBe(false)
  })
  it('rejects loops but allows chains', () => {
    expect(validateModelMapping('{"a": "b", "b": "a"}').ok).toBe(false)
    expect(validateModelMapping('{"a": "b", "b": "c", "c": "a"}').ok).toBe(false)
    expect(validateModelMapping('{"a": "b", "b": "c"}').ok).toBe(true)
    expect(validateModelMapping('{"a": "a"}').ok).toBe(true)
  })
})

describe('validateRatioTable', () => {
  it('accepts numbers ≥ 0', () => {
    expect(validateRatioTable('{"gpt-4o": 1.25, "free": 0}')).toEqual({ ok: true, value: { 'gpt-4o': 1.25, free: 0 } })
  })
  it('rejects strings, negatives and non-objects', () => {
    expect(validateRatioTable('{"a": "1"}')).toEqual({ ok: false, error: '"a" must be a number' })
    expect(validateRatioTable('{"a": -1}')).toEqual({ ok: false, error: '"a" must not be negative' })
    expect(validateRatioTable('1').ok).toBe(false)
    expect(validateRatioTable('null').ok).toBe(false)
  })
  it('parses cell input', () => {
    expect(parseRatio('0.5')).toBe(0.5)
    expect(parseRatio('')).toBeNull()
    expect(parseRatio('-1')).toBeNull()
    expect(parseRatio('abc')).toBeNull()
  })
})

describe('other validators', () => {
  it('checks JSON objects', () => {
    expect(validateJsonObject('{"400": "500"}').ok).toBe(true)
    expect(validateJsonObject('[1]').ok).toBe(false)
  })
  it('lists bad IP entries', () => {
    expect(invalidIps('10.0.0.1\n192.168.0.0/16\n::1')).toEqual([])
    expect(invalidIps('10.0.0.300, hello')).toEqual(['10.0.0.300', 'hello'])
  })
})
