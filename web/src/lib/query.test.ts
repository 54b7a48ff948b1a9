import { describe, expect, it } from 'vitest'
import { localInputToSeconds, secondsToLocalInput, sortParams, toQueryString, withQuery } from './query'
import { logQuery } from '@/features/logs/api'
import { channelListRequest } from '@/features/channels/api'

describe('toQueryString', () => {
  it('drops empty values and keeps order', () => {
    expect(toQueryString({ p: 1, keyword: '', model: undefined, group: null, type: 'x' })).toBe('p=1&type=x')
  })
  it('spells booleans, dates, arrays and trims strings', () => {
    expect(toQueryString({ a: true, b: false })).toBe('a=true&b=false')
    expect(toQueryString({ t: new Date(1_700_000_000_500) })).toBe('t=1700000000')
    expect(toQueryString({ id: [1, 2] })).toBe('id=1&id=2')
    expect(toQueryString({ k: '  gpt 4 ' })).toBe('k=gpt+4')
    expect(toQueryString({ n: Number.NaN })).toBe('')
  })
  it('appends to paths', () => {
    expect(withQuery('/api/token/', { p: 2 })).toBe('/api/token/?p=2')
    expect(withQuery('/api/token/?status_only=true', { p: 2 })).toBe('/api/token/?status_only=true&p=2')
    expect(withQuery('/api/x', {})).toBe('/api/x')
  })
  it('round-trips datetime-local values', () => {
    const s = localInputToSeconds('2025-01-02T03:04')
    expect(secondsToLocalInput(s)).toBe('2025-01-02T03:04')
    expect(localInputToSeconds('')).toBe(0)
  })
  it('maps table sorting', () => {
    expect(sortParams([])).toEqual({})
    expect(sortParams([{ id: 'priority', desc: true }])).toEqual({ sort_by: 'priority', sort_order: 'desc' })
  })
})

describe('log filters', () => {
  const f = { type: 2, start_timestamp: 100, end_timestamp: 0, token_name: 'a', model_name: '', channel: '3', username: 'bob', group: '', request_id: 'r1' }
  it('sends admin-only filters for admins', () => {
    expect(toQueryString(logQuery(f, true))).toBe('type=2&start_timestamp=100&token_name=a&request_id=r1&username=bob&channel=3')
  })
  it('omits user and channel for plain users', () => {
    expect(toQueryString(logQuery(f, false))).toBe('type=2&start_timestamp=100&token_name=a&request_id=r1')
  })
})

describe('channel filters', () => {
  const none = { keyword: '', type: '', status: '', group: '', tag: '', model: '' }
  it('lists with id order when nothing is searched', () => {
    const r = channelListRequest(none, { p: 1, page_size: 20 }, {})
    expect(r.path).toBe('/api/channel/')
    expect(toQueryString(r.query)).toBe('p=1&page_size=20&id_sort=true')
  })
  it('searches by keyword, model and tag with sorting', () => {
    const r = channelListRequest({ ...none, keyword: 'mock', model: 'gpt', type: '1', status: 'enabled' }, { p: 2, page_size: 10 }, { sort_by: 'priority', sort_order: 'asc' })
    expect(r.path).toBe('/api/channel/search')
    expect(toQueryString(r.query)).toBe('p=2&page_size=10&type=1&status=enabled&sort_by=priority&sort_order=asc&keyword=mock&model=gpt')
  })
  it('uses the tag as the keyword when only a tag is given', () => {
    const r = channelListRequest({ ...none, tag: 'team-a' }, { p: 1, page_size: 20 }, {})
    expect(toQueryString(r.query)).toContain('keyword=team-a')
  })
})
