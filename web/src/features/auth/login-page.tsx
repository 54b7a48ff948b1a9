import { useState } from 'react'
import { Link, useNavigate, useSearch } from '@tanstack/react-router'
import { useForm } from 'react-hook-form'
import { zodResolver } from '@hookform/resolvers/zod'
import { z } from 'zod'
import { useTranslation } from 'react-i18next'
import { toast } from 'sonner'
import { Loader2 } from 'lucide-react'
import { api, requestEnvelope } from '@/api/client'
import type { LoginUser } from '@/api/types'
import { Button } from '@/components/ui/button'
import { Input } from '@/components/ui/input'
import { Field } from '@/components/common/empty'
import { AuthLayout } from '@/components/layout/auth-layout'
import { useStatus } from '@/lib/status'
import { OAuthButtons } from './oauth-buttons'
import { assertionJson, requestOptions, safeRedirect, signedIn } from './session'

const schema = z.object({
  username: z.string().trim().min(1, 'Enter your username or email'),
  password: z.string().min(1, 'Enter your password'),
})
type Values = z.infer<typeof schema>

export default function LoginPage() {
  const { t } = useTranslation()
  const navigate = useNavigate()
  const search = useSearch({ strict: false }) as { redirect?: string; expired?: string }
  const { data: status } = useStatus()
  const [step, setStep] = useState<'password' | '2fa'>('password')
  const [code, setCode] = useState('')
  const [busy, setBusy] = useState(false)
  const form = useForm<Values>({ resolver: zodResolver(schema), defaultValues: { username: '', password: '' } })

  const finish = (user: LoginUser) => {
    signedIn(user)
    toast.success(t('Signed in'))
    void navigate({ to: safeRedirect(search.redirect) })
  }

  const onSubmit = form.handleSubmit(async (values) => {
    setBusy(true)
    try {
      const res = await requestEnvelope<LoginUser & { require_2fa?: boolean }>('POST', '/api/user/login', { body: values })
      if (res.data?.require_2fa) {
        setStep('2fa')
        return
      }
      finish(res.data as LoginUser)
    } catch (e) {
      toast.error(t((e as Error).message))
    } finally {
      setBusy(false)
    }
  })

  const submit2fa = async (e: React.FormEvent) => {
    e.preventDefault()
    setBusy(true)
    try {
      finish(await api.post<LoginUser>('/api/user/login/2fa', { code: code.trim() }, { noAuthRedirect: true }))
    } catch (err) {
      toast.error(t((err as Error).message))
    } finally {
      setBusy(false)
    }
  }

  const passkey = async () => {
    if (!window.PublicKeyCredential) return toast.error(t('This browser does not support passkeys'))
    setBusy(true)
    try {
      const begin = await api.post<Record<string, unknown>>('/api/user/passkey/login/begin', undefined, { noAuthRedirect: true })
      const cred = (await navigator.credentials.get({ publicKey: requestOptions(begin) })) as PublicKeyCredential | null
      if (!cred) return
      finish(await api.post<LoginUser>('/api/user/passkey/login/finish', assertionJson(cred), { noAuthRedirect: true }))
    } catch (err) {
      if ((err as Error).name !== 'NotAllowedError') toast.error(t((err as Error).message))
    } finally {
      setBusy(false)
    }
  }

  const passwordLogin = status?.password_login_enabled !== false
  if (step === '2fa') {
    return (
      <AuthLayout title={t('Two-factor authentication')} subtitle={t('Enter the 6-digit code from your authenticator app, or a backup code.')}>
        <form onSubmit={submit2fa} className="grid gap-4">
          <Field label={t('Verification code')} htmlFor="code">
            <Input id="code" autoFocus inputMode="numeric" autoComplete="one-time-code" value={code} onChange={(e) => setCode(e.target.value)} placeholder="123456" />
          </Field>
          <Button type="submit" disabled={busy || !code.trim()}>
            {busy && <Loader2 className="animate-spin" />} {t('Verify')}
          </Button>
          <Button variant="ghost" onClick={() => setStep('password')}>
            {t('Back')}
          </Button>
        </form>
      </AuthLayout>
    )
  }
  return (
    <AuthLayout
      title={t('Sign in')}
      subtitle={search.expired ? t('Your session has expired, please sign in again.') : t('Welcome back')}
      footer={
        status?.register_enabled !== false ? (
          <>
            {t('No account yet?')}{' '}
            <Link to="/register" className="text-primary underline-offset-4 hover:underline">
              {t('Register')}
            </Link>
          </>
        ) : null
      }
    >
      {passwordLogin && (
        <form onSubmit={onSubmit} className="grid gap-4" noValidate>
          <Field label={t('Username or email')} htmlFor="username" error={form.formState.errors.username && t(form.formState.errors.username.message!)}>
            <Input id="username" autoComplete="username" autoFocus aria-invalid={!!form.formState.errors.username} {...form.register('username')} />
          </Field>
          <Field label={t('Password')} htmlFor="password" error={form.formState.errors.password && t(form.formState.errors.password.message!)}>
            <Input id="password" type="password" autoComplete="current-password" aria-invalid={!!form.formState.errors.password} {...form.register('password')} />
          </Field>
          <div className="-mt-2 text-right text-xs">
            <Link to="/reset" className="text-muted-foreground hover:text-foreground hover:underline">
              {t('Forgot password?')}
            </Link>
          </div>
          <Button type="submit" disabled={busy}>
            {busy && <Loader2 className="animate-spin" />} {t('Sign in')}
          </Button>
        </form>
      )}
      <OAuthButtons status={status} onPasskey={passkey} passkeyBusy={busy} />
    </AuthLayout>
  )
}
