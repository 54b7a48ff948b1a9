import { useSyncExternalStore } from 'react'

export type Theme = 'light' | 'dark' | 'system'
const listeners = new Set<() => void>()
const media = typeof window !== 'undefined' ? window.matchMedia('(prefers-color-scheme: dark)') : null

function current(): Theme {
  return (localStorage.getItem('theme') as Theme) || 'system'
}

function apply(theme: Theme) {
  const dark = theme === 'dark' || (theme === 'system' && !!media?.matches)
  document.documentElement.classList.toggle('dark', dark)
}

media?.addEventListener('change', () => apply(current()))

export function setTheme(theme: Theme) {
  localStorage.setItem('theme', theme)
  apply(theme)
  listeners.forEach((l) => l())
}

export function useTheme(): Theme {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l)
      return () => listeners.delete(l)
    },
    current,
    () => 'system',
  )
}

export function isDark(): boolean {
  return document.documentElement.classList.contains('dark')
}
