import { useEffect, useState } from 'react'
import { Link, Outlet, useRouterState, useSearch, useNavigate } from '@tanstack/react-router'
import { Menu } from 'lucide-react'
import { useTranslation } from 'react-i18next'
import { toast } from 'sonner'
import { Dialog as D } from 'radix-ui'
import { Button } from '@/components/ui/button'
import { SheetContent } from '@/components/ui/dialog'
import { useAuth } from '@/lib/auth'
import { useStatus } from '@/lib/status'
import { cn } from '@/lib/utils'
import { LanguageSwitch, ThemeToggle, UserMenu } from './controls'
import { visibleNav } from './nav'

export function Brand() {
  const { data: status } = useStatus()
  return (
    <Link to="/console" className="flex items-center gap-2 font-semibold tracking-tight">
      {status?.logo ? (
        <img src={status.logo} alt="" className="size-7 rounded" />
      ) : (
        <img src="/favicon.svg" alt="" className="size-7" />
      )}
      <span className="truncate">{status?.system_name || 'relaygate'}</span>
    </Link>
  )
}

function SideNav({ onNavigate }: { onNavigate?: () => void }) {
  const { t } = useTranslation()
  const user = useAuth()
  const pathname = useRouterState({ select: (s) => s.location.pathname })
  return (
    <nav aria-label={t('Main menu')} className="flex flex-col gap-4 p-3" data-testid="side-nav">
      {visibleNav(user?.role ?? 0).map((section) => (
        <div key={section.label}>
          <p className="px-2 pb-1 text-xs font-medium uppercase tracking-wide text-muted-foreground">{t(section.label)}</p>
          <ul className="grid gap-0.5">
            {section.items.map((item) => {
              const active = item.to === '/console' ? pathname === '/console' || pathname === '/console/' : pathname.startsWith(item.to)
              return (
                <li key={item.to}>
                  <Link
                    to={item.to}
                    onClick={onNavigate}
                    aria-current={active ? 'page' : undefined}
                    className={cn(
                      'flex items-center gap-2.5 rounded-md px-2 py-1.5 text-sm transition-colors hover:bg-accent focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring',
                      active ? 'bg-primary/10 font-medium text-primary' : 'text-foreground/80',
                    )}
                  >
                    <item.icon className="size-4" />
                    {t(item.label)}
                  </Link>
                </li>
              )
            })}
          </ul>
        </div>
      ))}
    </nav>
  )
}

export default function ConsoleLayout() {
  const { t } = useTranslation()
  const [open, setOpen] = useState(false)
  const search = useSearch({ strict: false }) as { forbidden?: number }
  const navigate = useNavigate()
  useEffect(() => {
    if (search.forbidden) {
      toast.error(t('You do not have permission to open that page'))
      void navigate({ to: '/console', search: {}, replace: true } as never)
    }
  }, [search.forbidden, navigate, t])
  return (
    <div className="flex min-h-screen">
      <aside className="sticky top-0 hidden h-screen w-56 shrink-0 flex-col overflow-y-auto border-r bg-sidebar md:flex">
        <div className="flex h-14 items-center border-b px-4">
          <Brand />
        </div>
        <SideNav />
      </aside>
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="sticky top-0 z-30 flex h-14 items-center gap-2 border-b bg-background/90 px-3 backdrop-blur md:px-6">
          <D.Root open={open} onOpenChange={setOpen}>
            <D.Trigger asChild>
              <Button variant="ghost" size="icon" className="md:hidden" aria-label={t('Open menu')} data-testid="menu-button">
                <Menu />
              </Button>
            </D.Trigger>
            <SheetContent aria-describedby={undefined}>
              <D.Title className="sr-only">{t('Main menu')}</D.Title>
              <div className="flex h-14 items-center border-b px-4">
                <Brand />
              </div>
              <div className="overflow-y-auto">
                <SideNav onNavigate={() => setOpen(false)} />
              </div>
            </SheetContent>
          </D.Root>
          <div className="md:hidden">
            <Brand />
          </div>
          <div className="ml-auto flex items-center gap-1">
            <LanguageSwitch />
            <ThemeToggle />
            <UserMenu />
          </div>
        </header>
        <main className="mx-auto w-full max-w-[1400px] flex-1 p-3 md:p-6">
          <Outlet />
        </main>
      </div>
    </div>
  )
}
