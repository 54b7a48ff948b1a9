/** The logged-in user, kept in localStorage like new-api's console ("user"), with a tiny subscribable store. */
import { useSyncExternalStore } from 'react'

export interface AuthUser {
  id: number
  username: string
  display_name?: string
  role: number
  status?: number
  group?: string
}

export const ROLE_USER = 1
export const ROLE_ADMIN = 10
export const ROLE_ROOT = 100

const KEY = 'user'
const listeners = new Set<() => void>()
let cached: AuthUser | null | undefined

function read(): AuthUser | null {
  if (cached !== undefined) return cached
  try {
    const raw = localStorage.getItem(KEY)
    cached = raw ? (JSON.parse(raw) as AuthUser) : null
  } catch {
    cached = null
  }
  return cached
}

export const auth = {
  get: read,
  set(user: AuthUser | null) {
    cached = user
    if (user) localStorage.setItem(KEY, JSON.stringify(user))
    else localStorage.removeItem(KEY)
    listeners.forEach((l) => l())
  },
  subscribe(listener: () => void) {
    listeners.add(listener)
    return () => listeners.delete(listener)
  },
  isAdmin: () => (read()?.role ?? 0) >= ROLE_ADMIN,
  isRoot: () => (read()?.role ?? 0) >= ROLE_ROOT,
}

export function useAuth(): AuthUser | null {
  return useSyncExternalStore(auth.subscribe, read, () => null)
}
