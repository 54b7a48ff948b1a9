import { describe, expect, it } from 'vitest'
import { logsToCsv } from './csv'

describe('logsToCsv', () => {
  it('quotes commas, quotes and newlines', () => {
    const row = {
      id: 1, user_id: 1, created_at: 0, type: 2, content: 'a, "b"\nc', username: 'u', token_name: 't', model_name: 'm',
      quota: 5, prompt_tokens: 1, completion_tokens: 2, use_time: 1, is_stream: false, channel: 3, channel_name: '', token_id: 1,
      group: 'default', ip: '', request_id: 'r', other: '',
    }
    const csv = logsToCsv([row])
    const [header, line] = csv.split('\r\n')
    expect(header.startsWith('id,created_at,type')).toBe(true)
    expect(line).toBe('1,1970-01-01T00:00:00.000Z,2,u,t,m,3,default,1,2,5,1,false,,r,"a, ""b""\nc"')
  })
})
