import { useState } from 'react'
import { Link, useNavigate } from '@tanstack/react-router'
import { useForm } from 'react-hook-form'
import { zodResolver } from '@hookform/resolvers/zod'
import { z } from 'zod'
import { useTranslation } from 'react-i18next'
import { toast } from 'sonner'
import { api } from '@/api/client'
import { Button } from '@/components/ui/button'
import { Input } from '@/components/ui/input'
import { Field } from '@/components/common/empty'
import { AuthLayout } from '@/components/layout/auth-layout'
import { useStatus } from '@/lib/status'
import { OAuthButtons } from './oauth-buttons'

const schema = z
  .object({
    username: z.string().trim().min(1, 'Enter a username').max(20, 'At most 20 characters'),
    password: z.string().min(8, 'At least 8 characters').max(20, 'At most 20 characters'),
    password2: z.string(),
    email: z.string().trim(),
    verification_code: z.string().trim(),
  })
  .refine((v) => v.password === v.password2, { path: ['password2'], message: 'Passwords do not match' })
type Values = z.infer<typeof schema>

export default function RegisterPage() {
  const { t } = useTranslation()
  const navigate = useNavigate()
  const { data: status } = useStatus()
  const [sending, setSending] = useState(false)
  const form = useForm<Values>({ resolver: zodResolver(schema), defaultValues: { username: '', password: '', password2: '', email: '', verification_code: '' } })
  const errors = form.formState.errors
  const needEmail = !!status?.email_verification
  const onSubmit = form.handleSubmit(async (v) => {
    if (needEmail && (!v.email || !v.verification_code)) return toast.error(t('Enter your email and the verification code'))
    try {
      await api.post('/api/user/register', { ...v, aff_code: localStorage.getItem('aff') || undefined }, { noAuthRedirect: true })
      toast.success(t('Registered, please sign in'))
      void navigate({ to: '/login' })
    } catch (e) {
      toast.error(t((e as Error).message))
    }
  })
  const sendCode = async () => {
    const email = form.getValues('email')
    if (!email) return toast.error(t('Enter your email first'))
    setSending(true)
    try {
      await api.get('/api/verification', { email })
      toast.success(t('Verification code sent'))
    } catch (e) {
      toast.error(t((e as Error).message))
    } finally {
      setSending(false)
    }
  }
  const closed = status && (status.register_enabled === false || status.password_register_enabled === false)
  return (
    <AuthLayout
      title={t('Create an account')}
      footer={
        <>
          {t('Already have an account?')}{' '}
          <Link to="/login" className="text-primary hover:underline">
            {t('Sign in')}
          </Link>
        </>
      }
    >
      {closed ? (
        <p className="text-sm text-muted-foreground">{t('Registration with a password is closed on this site.')}</p>
      ) : (
        <form onSubmit={onSubmit} className="grid gap-4" noValidate>
          <Field label={t('Username')} htmlFor="username" error={errors.username && t(errors.username.message!)}>
            <Input id="username" autoComplete="username" {...form.register('username')} aria-invalid={!!errors.username} />
          </Field>
          <Field label={t('Password')} htmlFor="password" error={errors.password && t(errors.password.message!)}>
            <Input id="password" type="password" autoComplete="new-password" {...form.register('password')} aria-invalid={!!errors.password} />
          </Field>
          <Field label={t('Confirm password')} htmlFor="password2" error={errors.password2 && t(errors.password2.message!)}>
            <Input id="password2" type="password" autoComplete="new-password" {...form.register('password2')} aria-invalid={!!errors.password2} />
          </Field>
          {needEmail && (
            <>
              <Field label={t('Email')} htmlFor="email">
                <div className="flex gap-2">
                  <Input id="email" type="email" autoComplete="email" {...form.register('email')} />
                  <Button variant="outline" onClick={sendCode} disabled={sending}>
                    {t('Send code')}
                  </Button>
                </div>
              </Field>
              <Field label={t('Verification code')} htmlFor="verification_code">
                <Input id="verification_code" {...form.register('verification_code')} />
              </Field>
            </>
          )}
          <Button type="submit" disabled={form.formState.isSubmitting}>
            {t('Register')}
          </Button>
        </form>
      )}
      <OAuthButtons status={status} />
    </AuthLayout>
  )
}
