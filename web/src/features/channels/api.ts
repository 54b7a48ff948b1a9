import { api, isMissingRoute, requestEnvelope } from '@/api/client'
import type { Channel, ChannelCreate, ChannelPage, ChannelUpdate } from '@/api/types'
import type { QueryParams } from '@/lib/query'

export interface ChannelFilters {
  keyword: string
  type: string
  status: string
  group: string
  tag: string
  model: string
}

/** Search when any text filter is set (new-api's /search); the plain list otherwise. */
export function channelListRequest(f: ChannelFilters, page: { p: number; page_size: number }, sort: { sort_by?: string; sort_order?: string }): { path: string; query: QueryParams } {
  const keyword = f.keyword || f.tag
  const common: QueryParams = { ...page, type: f.type, status: f.status, group: f.group, ...sort, id_sort: sort.sort_by ? undefined : true }
  if (keyword || f.model) return { path: '/api/channel/search', query: { ...common, keyword, model: f.model, tag: f.tag } }
  return { path: '/api/channel/', query: common }
}

async function each<T>(ids: number[], fn: (id: number) => Promise<T>) {
  for (const id of ids) await fn(id)
  return ids.length
}

export const channelsApi = {
  list: (f: ChannelFilters, page: { p: number; page_size: number }, sort: { sort_by?: string; sort_order?: string }) => {
    const r = channelListRequest(f, page, sort)
    return api.get<ChannelPage>(r.path, r.query)
  },
  get: (id: number) => api.get<Channel>(`/api/channel/${id}`),
  create: (mode: 'single' | 'batch', channel: ChannelCreate) => api.post<number[]>('/api/channel/', { mode, channel }),
  update: (body: ChannelUpdate) => api.put<Channel>('/api/channel/', body),
  remove: (id: number) => api.delete(`/api/channel/${id}`),
  async removeMany(ids: number[]) {
    try {
      return await api.post<number>('/api/channel/batch', { ids })
    } catch (e) {
      if (!isMissingRoute(e)) throw e
      return each(ids, channelsApi.remove)
    }
  },
  setStatusMany: (ids: number[], status: number) => each(ids, (id) => channelsApi.update({ id, status })),
  setTag: (ids: number[], tag: string) => api.post('/api/channel/batch/tag', { ids, tag: tag || null }),
  copy: (id: number) => api.post<{ id: number }>(`/api/channel/copy/${id}`, undefined, { query: { suffix: '_copy', reset_balance: true } }),
  /** new-api answers {success, message, time} (seconds) outside `data`. */
  async test(id: number, model?: string) {
    const r = (await requestEnvelope('GET', `/api/channel/test/${id}`, { query: { model } })) as { message?: string; time?: number }
    return { time: Number(r.time ?? 0), message: r.message ?? '' }
  },
  testAll: () => requestEnvelope('GET', '/api/channel/test'),
  async updateBalance(id: number) {
    const r = (await requestEnvelope('GET', `/api/channel/update_balance/${id}`)) as { balance?: number }
    return Number(r.balance ?? 0)
  },
  updateAllBalances: () => requestEnvelope('GET', '/api/channel/update_balance'),
  fetchModels: (body: { type: number; key: string; base_url: string }) => api.post<string[]>('/api/channel/fetch_models', body),
  fetchModelsOf: (id: number) => api.get<string[]>(`/api/channel/fetch_models/${id}`),
  knownModels: () => api.get<{ id: string }[]>('/api/channel/models'),
  groups: () => api.get<string[]>('/api/group/'),
}
