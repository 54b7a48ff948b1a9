import { useEffect, useRef } from 'react'
import { useNavigate, useParams, useSearch } from '@tanstack/react-router'
import { useTranslation } from 'react-i18next'
import { toast } from 'sonner'
import { Loader2 } from 'lucide-react'
import { api } from '@/api/client'
import type { LoginUser } from '@/api/types'
import { auth } from '@/lib/auth'
import { AuthLayout } from '@/components/layout/auth-layout'
import { signedIn } from './session'

/** /oauth/:provider — the provider redirected back with ?code&state; finish login or binding. */
export default function OAuthPage() {
  const { t } = useTranslation()
  const { provider } = useParams({ strict: false }) as { provider: string }
  const search = useSearch({ strict: false }) as { code?: string; state?: string }
  const navigate = useNavigate()
  const started = useRef(false)
  useEffect(() => {
    if (started.current) return
    started.current = true
    const binding = !!auth.get()
    api
      .get<LoginUser | string>(`/api/oauth/${provider}`, { code: search.code, state: search.state }, { noAuthRedirect: true })
      .then((data) => {
        if (binding && (typeof data === 'string' || !data)) {
          toast.success(t('Account bound'))
          void navigate({ to: '/console/personal' })
        } else {
          signedIn(data as LoginUser)
          toast.success(t('Signed in'))
          void navigate({ to: '/console' })
        }
      })
      .catch((e: Error) => {
        toast.error(t(e.message))
        void navigate({ to: binding ? '/console/personal' : '/login' })
      })
  }, [provider, search.code, search.state, navigate, t])
  return (
    <AuthLayout title={t('Signing you in…')}>
      <div className="flex justify-center py-6">
        <Loader2 className="size-6 animate-spin text-muted-foreground" />
      </div>
    </AuthLayout>
  )
}
