import { useEffect } from 'react'
import { Link, Outlet, useNavigate, useRouterState } from '@tanstack/react-router'
import { Toaster } from 'sonner'
import { useTranslation } from 'react-i18next'
import { TooltipProvider } from '@/components/ui/tooltip'
import { ConfirmProvider } from '@/components/common/confirm'
import { useStatus } from '@/lib/status'
import { useTheme } from '@/lib/theme'

export function RootShell() {
  const theme = useTheme()
  const { data: status } = useStatus()
  const navigate = useNavigate()
  const pathname = useRouterState({ select: (s) => s.location.pathname })
  // First run: everything leads to /setup until the root user exists.
  useEffect(() => {
    if (status && status.setup === false && pathname !== '/setup') void navigate({ to: '/setup' })
  }, [status, pathname, navigate])
  useEffect(() => {
    if (status?.system_name) document.title = status.system_name
  }, [status?.system_name])
  return (
    <TooltipProvider>
      <ConfirmProvider>
        <Outlet />
        <Toaster theme={theme} richColors closeButton position="top-center" />
      </ConfirmProvider>
    </TooltipProvider>
  )
}

export function NotFound() {
  const { t } = useTranslation()
  return (
    <div className="flex min-h-[60vh] flex-col items-center justify-center gap-3 p-8 text-center">
      <p className="text-5xl font-bold text-muted-foreground/50">404</p>
      <p className="text-muted-foreground">{t('Page not found')}</p>
      <Link to="/console" className="text-primary underline">
        {t('Back to console')}
      </Link>
    </div>
  )
}
