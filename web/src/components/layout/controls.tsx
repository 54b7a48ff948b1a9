import { Languages, LogOut, Monitor, Moon, Sun, User } from 'lucide-react'
import { useTranslation } from 'react-i18next'
import { useNavigate } from '@tanstack/react-router'
import { useQueryClient } from '@tanstack/react-query'
import { Button } from '@/components/ui/button'
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from '@/components/ui/dropdown-menu'
import { LANGUAGES } from '@/i18n'
import { setTheme, useTheme } from '@/lib/theme'
import { auth, useAuth } from '@/lib/auth'
import { api } from '@/api/client'

export function LanguageSwitch() {
  const { t, i18n } = useTranslation()
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button variant="ghost" size="icon" aria-label={t('Language')} data-testid="language-switch">
          <Languages />
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end">
        {LANGUAGES.map((l) => (
          <DropdownMenuItem key={l.code} onSelect={() => void i18n.changeLanguage(l.code)} data-lang={l.code}>
            {l.label}
            {i18n.language.startsWith(l.code) && <span className="ml-auto text-primary">●</span>}
          </DropdownMenuItem>
        ))}
      </DropdownMenuContent>
    </DropdownMenu>
  )
}

export function ThemeToggle() {
  const { t } = useTranslation()
  const theme = useTheme()
  const Icon = theme === 'dark' ? Moon : theme === 'light' ? Sun : Monitor
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button variant="ghost" size="icon" aria-label={t('Theme')} data-testid="theme-toggle">
          <Icon />
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end">
        <DropdownMenuItem onSelect={() => setTheme('light')} data-theme="light">
          <Sun /> {t('Light')}
        </DropdownMenuItem>
        <DropdownMenuItem onSelect={() => setTheme('dark')} data-theme="dark">
          <Moon /> {t('Dark')}
        </DropdownMenuItem>
        <DropdownMenuItem onSelect={() => setTheme('system')} data-theme="system">
          <Monitor /> {t('System')}
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  )
}

export function UserMenu() {
  const { t } = useTranslation()
  const user = useAuth()
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  if (!user) return null
  const logout = async () => {
    await api.get('/api/user/logout').catch(() => undefined)
    auth.set(null)
    queryClient.clear()
    void navigate({ to: '/login' })
  }
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button variant="ghost" size="sm" aria-label={t('Account')} data-testid="user-menu">
          <span className="flex size-6 items-center justify-center rounded-full bg-primary/15 text-xs font-semibold text-primary">
            {(user.display_name || user.username).slice(0, 1).toUpperCase()}
          </span>
          <span className="hidden max-w-28 truncate sm:inline">{user.display_name || user.username}</span>
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end">
        <DropdownMenuLabel>{user.username}</DropdownMenuLabel>
        <DropdownMenuSeparator />
        <DropdownMenuItem onSelect={() => void navigate({ to: '/console/personal' })}>
          <User /> {t('Personal settings')}
        </DropdownMenuItem>
        <DropdownMenuItem onSelect={() => void logout()} data-testid="logout">
          <LogOut /> {t('Log out')}
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  )
}
