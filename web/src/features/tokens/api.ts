import { api, isMissingRoute } from '@/api/client'
import type { Page, Token, TokenCreate, TokenUpdate } from '@/api/types'

export const fullKey = (key: string) => (key.startsWith('sk-') ? key : `sk-${key}`)

export const tokensApi = {
  list: (q: { p: number; page_size: number; keyword: string }) =>
    q.keyword ? api.get<Page<Token>>('/api/token/search', q) : api.get<Page<Token>>('/api/token/', { p: q.p, page_size: q.page_size }),
  create: (body: TokenCreate) => api.post<{ id: number; key: string }>('/api/token/', body),
  update: (body: TokenUpdate) => api.put<Token>('/api/token/', body),
  setStatus: (token: Token, status: number) => api.put<Token>('/api/token/?status_only=true', { ...token, status }),
  remove: (id: number) => api.delete(`/api/token/${id}`),
  key: async (id: number) => fullKey((await api.post<{ key: string }>(`/api/token/${id}/key`)).key),
  /** new-api's batch delete; one by one where the server has no batch route yet. */
  async removeMany(ids: number[]) {
    try {
      return await api.post<number>('/api/token/batch', { ids })
    } catch (e) {
      if (!isMissingRoute(e)) throw e
      for (const id of ids) await tokensApi.remove(id)
      return ids.length
    }
  },
  groups: () => api.get<Record<string, { ratio?: number; desc?: string }>>('/api/user/self/groups'),
  models: () => api.get<string[]>('/api/user/models'),
}

export const TOKEN_STATUS: Record<number, { label: string; variant: 'success' | 'secondary' | 'warning' | 'destructive' }> = {
  1: { label: 'Enabled', variant: 'success' },
  2: { label: 'Disabled', variant: 'secondary' },
  3: { label: 'Expired', variant: 'warning' },
  4: { label: 'Exhausted', variant: 'destructive' },
}
