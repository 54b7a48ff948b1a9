import { useQuery } from '@tanstack/react-query'
import { api } from '@/api/client'
import type { Status } from '@/api/types'
import { quotaConfigFromStatus, type QuotaConfig } from './quota'

export const statusQuery = {
  queryKey: ['status'],
  queryFn: () => api.get<Status>('/api/status'),
  staleTime: 60_000,
}

export function useStatus() {
  return useQuery(statusQuery)
}

export function useQuotaConfig(): QuotaConfig {
  const { data } = useStatus()
  return quotaConfigFromStatus(data)
}

/** The address clients should call: ServerAddress when set, else this page's origin. */
export function useServerAddress(): string {
  const { data } = useStatus()
  const configured = (data?.server_address || '').replace(/\/+$/, '')
  return configured || location.origin
}
