import { useState } from 'react'
import { Link } from '@tanstack/react-router'
import { useTranslation } from 'react-i18next'
import { toast } from 'sonner'
import { api } from '@/api/client'
import { Button } from '@/components/ui/button'
import { Input } from '@/components/ui/input'
import { Field } from '@/components/common/empty'
import { AuthLayout } from '@/components/layout/auth-layout'

export default function ResetPage() {
  const { t } = useTranslation()
  const [email, setEmail] = useState('')
  const [sent, setSent] = useState(false)
  const [busy, setBusy] = useState(false)
  const submit = async (e: React.FormEvent) => {
    e.preventDefault()
    setBusy(true)
    try {
      await api.get('/api/reset_password', { email }, { noAuthRedirect: true })
      setSent(true)
      toast.success(t('A reset link has been sent to your email'))
    } catch (err) {
      toast.error(t((err as Error).message))
    } finally {
      setBusy(false)
    }
  }
  return (
    <AuthLayout
      title={t('Reset password')}
      subtitle={t('We will email you a link to reset your password.')}
      footer={
        <Link to="/login" className="text-primary hover:underline">
          {t('Back to sign in')}
        </Link>
      }
    >
      <form onSubmit={submit} className="grid gap-4">
        <Field label={t('Email')} htmlFor="email">
          <Input id="email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </Field>
        <Button type="submit" disabled={busy || !email || sent}>
          {sent ? t('Sent') : t('Send reset link')}
        </Button>
      </form>
    </AuthLayout>
  )
}
