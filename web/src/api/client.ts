/**
 * The one API client. Every /api call goes through `api`: it sends the session cookie and
 * `New-Api-User`, unwraps new-api's {success, message, data} envelope and throws ApiError with the
 * server's message (the query/mutation caches turn those into toasts).
 */
import { auth } from '@/lib/auth'
import { withQuery, type QueryParams } from '@/lib/query'

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly path: string,
    readonly data?: unknown,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

export interface RequestOptions {
  query?: QueryParams
  body?: unknown
  signal?: AbortSignal
  /** Do not sign out on 401 (login forms, probes). */
  noAuthRedirect?: boolean
}

interface Envelope<T> {
  success: boolean
  message?: string
  data?: T
}

export function authHeaders(): Record<string, string> {
  const user = auth.get()
  return user ? { 'New-Api-User': String(user.id) } : {}
}

function describe(status: number, body: unknown): string {
  if (body && typeof body === 'object') {
    const b = body as { message?: unknown; detail?: unknown }
    if (typeof b.message === 'string' && b.message) return b.message
    if (typeof b.detail === 'string') return b.detail
    if (Array.isArray(b.detail) && b.detail[0]?.msg) return `${b.detail[0].loc?.slice(-1)[0] ?? ''}: ${b.detail[0].msg}`
  }
  return `HTTP ${status}`
}

/** Raw fetch with the console's auth headers (streaming and downloads). */
export function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(path, {
    credentials: 'same-origin',
    ...init,
    headers: { ...authHeaders(), ...(init.body ? { 'Content-Type': 'application/json' } : {}), ...(init.headers || {}) },
  })
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const url = withQuery(path, options.query)
  const response = await apiFetch(url, {
    method,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: options.signal,
  })
  let body: unknown = null
  const text = await response.text()
  if (text) {
    try {
      body = JSON.parse(text)
    } catch {
      body = null
    }
  }
  if (response.status === 401 && !options.noAuthRedirect) {
    auth.set(null)
    if (!location.pathname.startsWith('/login')) {
      location.assign(`/login?expired=1&redirect=${encodeURIComponent(location.pathname + location.search)}`)
    }
  }
  if (!response.ok) throw new ApiError(describe(response.status, body), response.status, path, body)
  const envelope = body as Envelope<T> | null
  if (envelope && typeof envelope === 'object' && 'success' in envelope) {
    if (!envelope.success) throw new ApiError(envelope.message || 'Request failed', response.status, path, envelope.data)
    return envelope.data as T
  }
  return body as T
}

/** Like `request` but hands back the whole envelope (for routes whose message matters). */
export async function requestEnvelope<T>(method: string, path: string, options: RequestOptions = {}) {
  const response = await apiFetch(withQuery(path, options.query), {
    method,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  })
  const body = (await response.json().catch(() => null)) as Envelope<T> | null
  if (!response.ok && !(body && 'success' in body)) throw new ApiError(describe(response.status, body), response.status, path)
  if (!body?.success) throw new ApiError(body?.message || 'Request failed', response.status, path, body?.data)
  return body
}

export const api = {
  get: <T>(path: string, query?: QueryParams, options?: Omit<RequestOptions, 'query'>) =>
    request<T>('GET', path, { ...options, query }),
  post: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('POST', path, { ...options, body }),
  put: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('PUT', path, { ...options, body }),
  delete: <T>(path: string, query?: QueryParams) => request<T>('DELETE', path, { query }),
}

export function isMissingRoute(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 404 || error.status === 405)
}
