/**
 * Routes at new-api's paths. Every page is its own chunk (lazyRouteComponent), so /login ships only
 * the shell and the login form. Console pages need a session; admin/root pages redirect others away.
 */
import {
  createRootRoute,
  createRoute,
  createRouter,
  lazyRouteComponent,
  Outlet,
  redirect,
} from '@tanstack/react-router'
import { auth, ROLE_ADMIN, ROLE_ROOT } from '@/lib/auth'
import { RootShell, NotFound } from '@/components/layout/root'

const rootRoute = createRootRoute({ component: RootShell, notFoundComponent: NotFound })

function requireLogin({ location }: { location: { href: string } }) {
  if (!auth.get()) throw redirect({ to: '/login', search: { redirect: location.href } as never })
}
function requireRole(role: number) {
  return () => {
    if ((auth.get()?.role ?? 0) < role) throw redirect({ to: '/console', search: { forbidden: 1 } as never })
  }
}

const page = (path: string, load: () => Promise<{ default: React.ComponentType }>, parent = rootRoute, beforeLoad?: () => void) =>
  createRoute({ getParentRoute: () => parent, path, beforeLoad, component: lazyRouteComponent(load) })

const indexRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/',
  beforeLoad: () => {
    throw redirect({ to: auth.get() ? '/console' : '/login' })
  },
})

const consoleRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/console',
  beforeLoad: requireLogin,
  component: lazyRouteComponent(() => import('@/components/layout/console-layout')),
})

const consolePage = (path: string, load: () => Promise<{ default: React.ComponentType }>, role = 0) =>
  page(path, load, consoleRoute as never, role ? requireRole(role) : undefined)

const routeTree = rootRoute.addChildren([
  indexRoute,
  page('/setup', () => import('@/features/auth/setup-page')),
  page('/login', () => import('@/features/auth/login-page')),
  page('/register', () => import('@/features/auth/register-page')),
  page('/reset', () => import('@/features/auth/reset-page')),
  page('/user/reset', () => import('@/features/auth/reset-confirm-page')),
  page('/oauth/$provider', () => import('@/features/auth/oauth-page')),
  page('/pricing', () => import('@/features/pricing/page')),
  consoleRoute.addChildren([
    consolePage('/', () => import('@/features/dashboard/page')),
    consolePage('/token', () => import('@/features/tokens/page')),
    consolePage('/log', () => import('@/features/logs/page')),
    consolePage('/topup', () => import('@/features/topup/page')),
    consolePage('/personal', () => import('@/features/personal/page')),
    consolePage('/playground', () => import('@/features/playground/page')),
    consolePage('/channel', () => import('@/features/channels/page'), ROLE_ADMIN),
    consolePage('/user', () => import('@/features/users/page'), ROLE_ADMIN),
    consolePage('/redemption', () => import('@/features/redemptions/page'), ROLE_ADMIN),
    consolePage('/setting', () => import('@/features/settings/page'), ROLE_ROOT),
  ]),
])

export const router = createRouter({
  routeTree,
  defaultPreload: 'intent',
  defaultPendingMs: 150,
  scrollRestoration: true,
})

// Routes are built by helpers (lazy pages, guards), so paths are checked at runtime, not registered as types.

export { Outlet }
