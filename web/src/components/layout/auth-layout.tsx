import type { ReactNode } from 'react'
import { Link } from '@tanstack/react-router'
import { useStatus } from '@/lib/status'
import { LanguageSwitch, ThemeToggle } from './controls'

export function AuthLayout({ title, subtitle, children, footer }: { title: string; subtitle?: ReactNode; children: ReactNode; footer?: ReactNode }) {
  const { data: status } = useStatus()
  return (
    <div className="flex min-h-screen flex-col bg-gradient-to-b from-primary/5 to-background">
      <header className="flex h-14 items-center justify-between px-4">
        <Link to="/login" className="flex items-center gap-2 font-semibold">
          <img src={status?.logo || '/favicon.svg'} alt="" className="size-7 rounded" />
          {status?.system_name || 'relaygate'}
        </Link>
        <div className="flex items-center gap-1">
          <LanguageSwitch />
          <ThemeToggle />
        </div>
      </header>
      <main className="flex flex-1 items-start justify-center px-4 pt-[8vh] pb-10">
        <div className="w-full max-w-sm">
          <div className="rounded-xl border bg-card p-6 shadow-sm">
            <h1 className="text-xl font-semibold tracking-tight">{title}</h1>
            {subtitle && <p className="mt-1 text-sm text-muted-foreground">{subtitle}</p>}
            <div className="mt-5">{children}</div>
          </div>
          {footer && <div className="mt-4 text-center text-sm text-muted-foreground">{footer}</div>}
        </div>
      </main>
      {status?.footer_html ? (
        <footer className="py-4 text-center text-xs text-muted-foreground" dangerouslySetInnerHTML={{ __html: status.footer_html }} />
      ) : null}
    </div>
  )
}
