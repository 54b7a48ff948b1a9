/** Page state (filters, page, sort) kept in the URL search so reloads and links keep it. */
import { useNavigate, useSearch } from '@tanstack/react-router'
import { useCallback, useMemo } from 'react'

export type UrlValue = string | number
export type UrlState = Record<string, UrlValue>

export function useUrlState<T extends UrlState>(defaults: T): [T, (patch: Partial<T>) => void] {
  const search = useSearch({ strict: false }) as Record<string, unknown>
  const navigate = useNavigate()
  const state = useMemo(() => {
    const out: UrlState = { ...defaults }
    for (const [key, def] of Object.entries(defaults)) {
      const raw = search[key]
      if (raw === undefined || raw === null) continue
      out[key] = typeof def === 'number' ? Number(raw) || 0 : String(raw)
    }
    return out as T
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [search])
  const update = useCallback(
    (patch: Partial<T>) => {
      void navigate({
        to: '.',
        replace: true,
        search: (prev: Record<string, unknown>) => {
          const next: Record<string, unknown> = { ...prev, ...patch }
          for (const [key, value] of Object.entries(next)) {
            if (value === '' || value === undefined || value === defaults[key]) delete next[key]
          }
          return next
        },
      } as never)
    },
    [navigate, defaults],
  )
  return [state, update]
}
