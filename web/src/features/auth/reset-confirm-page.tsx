import { useState } from 'react'
import { Link, useSearch } from '@tanstack/react-router'
import { useTranslation } from 'react-i18next'
import { toast } from 'sonner'
import { api } from '@/api/client'
import { Button } from '@/components/ui/button'
import { Input } from '@/components/ui/input'
import { CopyButton } from '@/components/common/copy-button'
import { AuthLayout } from '@/components/layout/auth-layout'

export default function ResetConfirmPage() {
  const { t } = useTranslation()
  const search = useSearch({ strict: false }) as { email?: string; token?: string }
  const [password, setPassword] = useState('')
  const confirm = async () => {
    try {
      setPassword(await api.post<string>('/api/user/reset', { email: search.email, token: search.token }, { noAuthRedirect: true }))
      toast.success(t('Password reset'))
    } catch (e) {
      toast.error(t((e as Error).message))
    }
  }
  return (
    <AuthLayout title={t('Reset password')} footer={<Link to="/login" className="text-primary hover:underline">{t('Back to sign in')}</Link>}>
      {password ? (
        <div className="grid gap-2">
          <p className="text-sm">{t('Your new password:')}</p>
          <div className="flex gap-2">
            <Input readOnly value={password} aria-label={t('New password')} className="font-mono" />
            <CopyButton text={password} />
          </div>
        </div>
      ) : (
        <div className="grid gap-3">
          <p className="text-sm text-muted-foreground">{search.email}</p>
          <Button onClick={confirm} disabled={!search.email || !search.token}>
            {t('Reset my password')}
          </Button>
        </div>
      )}
    </AuthLayout>
  )
}
