import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { RouterProvider } from '@tanstack/react-router'
import { toast } from 'sonner'
import './index.css'
import i18n from './i18n'
import { ApiError } from './api/client'
import { router } from './router'

function report(error: unknown, meta?: Record<string, unknown>) {
  if (meta?.silent) return
  if (error instanceof ApiError && error.status === 401) return
  const message = error instanceof Error ? error.message : String(error)
  toast.error(i18n.t(message), { id: message })
}

const queryClient = new QueryClient({
  defaultOptions: {
    queries: { retry: (n, e) => !(e instanceof ApiError) && n < 1, refetchOnWindowFocus: false, staleTime: 10_000 },
  },
  queryCache: new QueryCache({ onError: (error, query) => report(error, query.meta) }),
  mutationCache: new MutationCache({ onError: (error, _v, _c, mutation) => report(error, mutation.meta) }),
})

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  </StrictMode>,
)
