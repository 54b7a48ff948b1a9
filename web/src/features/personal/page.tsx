import { useState } from 'react'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useForm } from 'react-hook-form'
import { zodResolver } from '@hookform/resolvers/zod'
import { z } from 'zod'
import { useTranslation } from 'react-i18next'
import { toast } from 'sonner'
import { Fingerprint, KeyRound, Link2, Trash2 } from 'lucide-react'
import { api, isMissingRoute } from '@/api/client'
import type { SelfUser } from '@/api/types'
import { Badge } from '@/components/ui/badge'
import { Button } from '@/components/ui/button'
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card'
import { Input } from '@/components/ui/input'
import { Select } from '@/components/ui/select'
import { Skeleton } from '@/components/ui/skeleton'
import { CopyButton } from '@/components/common/copy-button'
import { Field, PageHeader } from '@/components/common/empty'
import { Quota } from '@/components/common/quota'
import { useConfirm } from '@/components/common/confirm'
import { LANGUAGES } from '@/i18n'
import { auth } from '@/lib/auth'
import { useStatus } from '@/lib/status'
import { enabledProviders, startOAuth } from '@/features/auth/oauth-buttons'
import { attestationJson, creationOptions } from '@/features/auth/session'
import { TwoFactorSection } from './two-factor'

const profileSchema = z.object({
  username: z.string().trim().min(1, 'Enter a username').max(20, 'At most 20 characters'),
  display_name: z.string().max(20, 'At most 20 characters'),
})
const passwordSchema = z
  .object({ original_password: z.string().min(1, 'Enter your current password'), password: z.string().min(8, 'At least 8 characters'), password2: z.string() })
  .refine((v) => v.password === v.password2, { path: ['password2'], message: 'Passwords do not match' })

function Section({ title, description, children, testId }: { title: string; description?: string; children: React.ReactNode; testId?: string }) {
  return (
    <Card data-testid={testId}>
      <CardHeader>
        <CardTitle className="text-base">{title}</CardTitle>
        {description && <CardDescription>{description}</CardDescription>}
      </CardHeader>
      <CardContent>{children}</CardContent>
    </Card>
  )
}

function Profile({ self }: { self: SelfUser }) {
  const { t } = useTranslation()
  const qc = useQueryClient()
  const form = useForm({ resolver: zodResolver(profileSchema), defaultValues: { username: self.username, display_name: self.display_name } })
  const e = form.formState.errors
  const submit = form.handleSubmit(async (v) => {
    try {
      await api.put('/api/user/self', v)
      const cur = auth.get()
      if (cur) auth.set({ ...cur, ...v })
      toast.success(t('Saved'))
      void qc.invalidateQueries({ queryKey: ['self'] })
    } catch (err) {
      toast.error(t((err as Error).message))
    }
  })
  return (
    <form onSubmit={submit} className="grid gap-3" noValidate>
      <Field label={t('Username')} htmlFor="p-username" error={e.username && t(e.username.message!)}><Input id="p-username" {...form.register('username')} /></Field>
      <Field label={t('Display name')} htmlFor="p-display" error={e.display_name && t(e.display_name.message!)}><Input id="p-display" {...form.register('display_name')} /></Field>
      <Button type="submit" className="w-fit">{t('Save')}</Button>
    </form>
  )
}

function Password() {
  const { t } = useTranslation()
  const form = useForm({ resolver: zodResolver(passwordSchema), defaultValues: { original_password: '', password: '', password2: '' } })
  const e = form.formState.errors
  const submit = form.handleSubmit(async (v) => {
    try {
      await api.put('/api/user/self', { original_password: v.original_password, password: v.password })
      toast.success(t('Password changed'))
      form.reset()
    } catch (err) {
      toast.error(t((err as Error).message))
    }
  })
  return (
    <form onSubmit={submit} className="grid gap-3" noValidate>
      <Field label={t('Current password')} htmlFor="pw-old" error={e.original_password && t(e.original_password.message!)}><Input id="pw-old" type="password" autoComplete="current-password" {...form.register('original_password')} /></Field>
      <Field label={t('New password')} htmlFor="pw-new" error={e.password && t(e.password.message!)}><Input id="pw-new" type="password" autoComplete="new-password" {...form.register('password')} /></Field>
      <Field label={t('Confirm password')} htmlFor="pw-new2" error={e.password2 && t(e.password2.message!)}><Input id="pw-new2" type="password" autoComplete="new-password" {...form.register('password2')} /></Field>
      <Button type="submit" className="w-fit">{t('Change password')}</Button>
    </form>
  )
}

interface Passkey { enabled?: boolean; credentials?: { id: string; name?: string; created_at?: number }[] }

function Passkeys() {
  const { t } = useTranslation()
  const qc = useQueryClient()
  const confirm = useConfirm()
  const q = useQuery({ queryKey: ['passkey'], queryFn: () => api.get<Passkey>('/api/user/passkey'), meta: { silent: true }, retry: false })
  const register = async () => {
    if (!window.PublicKeyCredential) return toast.error(t('This browser does not support passkeys'))
    try {
      const begin = await api.post<Record<string, unknown>>('/api/user/passkey/register/begin')
      const cred = (await navigator.credentials.create({ publicKey: creationOptions(begin) })) as PublicKeyCredential | null
      if (!cred) return
      await api.post('/api/user/passkey/register/finish', attestationJson(cred))
      toast.success(t('Passkey added'))
      void qc.invalidateQueries({ queryKey: ['passkey'] })
    } catch (e) {
      if ((e as Error).name !== 'NotAllowedError') toast.error(t((e as Error).message))
    }
  }
  const remove = async () => {
    if (!(await confirm({ title: t('Remove your passkey?'), confirmText: t('Remove') }))) return
    await api.delete('/api/user/passkey').then(() => qc.invalidateQueries({ queryKey: ['passkey'] }), (e: Error) => toast.error(t(e.message)))
  }
  if (q.isError && isMissingRoute(q.error)) return <p className="text-sm text-muted-foreground">{t('Passkeys are not available on this server yet.')}</p>
  return (
    <div className="flex flex-wrap items-center gap-2">
      {q.data?.enabled ? <Badge variant="success">{t('Passkey registered')}</Badge> : <Badge variant="secondary">{t('No passkey')}</Badge>}
      <Button variant="outline" onClick={register}><Fingerprint /> {t('Add a passkey')}</Button>
      {q.data?.enabled && <Button variant="ghost" onClick={() => void remove()}><Trash2 /> {t('Remove')}</Button>}
    </div>
  )
}

function Bindings({ self }: { self: SelfUser }) {
  const { t } = useTranslation()
  const { data: status } = useStatus()
  const rows: { id: string; label: string; bound: string }[] = [
    { id: 'github', label: 'GitHub', bound: self.github_id },
    { id: 'discord', label: 'Discord', bound: self.discord_id },
    { id: 'oidc', label: 'OIDC', bound: self.oidc_id },
    { id: 'linuxdo', label: 'LinuxDO', bound: self.linux_do_id },
    { id: 'telegram', label: 'Telegram', bound: self.telegram_id },
    { id: 'wechat', label: 'WeChat', bound: self.wechat_id },
  ]
  const enabled = new Set(enabledProviders(status).map((p) => p.id))
  return (
    <ul className="grid gap-2 text-sm">
      <li className="flex items-center justify-between gap-2">
        <span>{t('Email')}</span>
        <span className="text-muted-foreground">{self.email || t('Not bound')}</span>
      </li>
      {rows.map((r) => (
        <li key={r.id} className="flex items-center justify-between gap-2">
          <span>{r.label}</span>
          {r.bound ? (
            <Badge variant="success">{r.bound}</Badge>
          ) : enabled.has(r.id) ? (
            <Button size="sm" variant="outline" onClick={() => status && void startOAuth(r.id, status)}><Link2 /> {t('Bind')}</Button>
          ) : (
            <span className="text-xs text-muted-foreground">{t('Not enabled')}</span>
          )}
        </li>
      ))}
    </ul>
  )
}

function AccessToken({ has }: { has: boolean }) {
  const { t } = useTranslation()
  const [token, setToken] = useState('')
  const gen = useMutation({ mutationFn: () => api.get<string>('/api/user/token'), onSuccess: setToken })
  return (
    <div className="grid gap-2">
      <p className="text-sm text-muted-foreground">{t('For scripts calling /api as you: send it as the Authorization header.')}</p>
      {token && (
        <div className="flex gap-2">
          <Input readOnly value={token} className="font-mono text-xs" aria-label={t('Access token')} />
          <CopyButton text={token} />
        </div>
      )}
      <Button variant="outline" className="w-fit" onClick={() => gen.mutate()}><KeyRound /> {has || token ? t('Regenerate access token') : t('Generate access token')}</Button>
    </div>
  )
}

function Notifications({ self }: { self: SelfUser }) {
  const { t } = useTranslation()
  const setting = (() => {
    try {
      return JSON.parse(self.setting || '{}') as Record<string, unknown>
    } catch {
      return {}
    }
  })()
  const [v, setV] = useState({
    notify_type: String(setting.notify_type ?? 'email'),
    quota_warning_threshold: String(setting.quota_warning_threshold ?? ''),
    notification_email: String(setting.notification_email ?? ''),
    webhook_url: String(setting.webhook_url ?? ''),
  })
  const save = useMutation({
    mutationFn: () => api.put('/api/user/setting', { ...v, quota_warning_threshold: Number(v.quota_warning_threshold) || 0 }),
    onSuccess: () => toast.success(t('Saved')),
  })
  return (
    <form className="grid gap-3" onSubmit={(e) => { e.preventDefault(); save.mutate() }}>
      <Field label={t('Notify by')} htmlFor="n-type">
        <Select id="n-type" value={v.notify_type} onValueChange={(x) => setV({ ...v, notify_type: x })} options={[{ value: 'email', label: t('Email') }, { value: 'webhook', label: 'Webhook' }]} />
      </Field>
      <Field label={t('Warn when the balance falls below (quota)')} htmlFor="n-threshold"><Input id="n-threshold" type="number" value={v.quota_warning_threshold} onChange={(e) => setV({ ...v, quota_warning_threshold: e.target.value })} /></Field>
      {v.notify_type === 'email' ? (
        <Field label={t('Notification email')} htmlFor="n-email"><Input id="n-email" type="email" value={v.notification_email} onChange={(e) => setV({ ...v, notification_email: e.target.value })} /></Field>
      ) : (
        <Field label={t('Webhook URL')} htmlFor="n-webhook"><Input id="n-webhook" type="url" value={v.webhook_url} onChange={(e) => setV({ ...v, webhook_url: e.target.value })} /></Field>
      )}
      <Button type="submit" className="w-fit" disabled={save.isPending}>{t('Save')}</Button>
    </form>
  )
}

function Language() {
  const { t, i18n } = useTranslation()
  return (
    <Field label={t('Language')} htmlFor="p-lang">
      <Select id="p-lang" value={i18n.language.startsWith('zh') ? 'zh' : 'en'} onValueChange={(l) => void i18n.changeLanguage(l)} options={LANGUAGES.map((l) => ({ value: l.code, label: l.label }))} />
    </Field>
  )
}

export default function PersonalPage() {
  const { t } = useTranslation()
  const self = useQuery({ queryKey: ['self'], queryFn: () => api.get<SelfUser>('/api/user/self') })
  if (!self.data) {
    return (
      <div className="grid gap-4 lg:grid-cols-2">
        {Array.from({ length: 4 }).map((_, i) => <Skeleton key={i} className="h-48" />)}
      </div>
    )
  }
  const me = self.data
  return (
    <div>
      <PageHeader
        title={t('Personal settings')}
        description={
          <span>
            {me.username} · {t('Group')} {me.group} · {t('Balance')} <Quota value={me.quota} />
          </span>
        }
      />
      <div className="grid gap-4 lg:grid-cols-2">
        <Section title={t('Profile')}><Profile self={me} /></Section>
        <Section title={t('Password')}><Password /></Section>
        <Section title={t('Two-factor authentication')} description={t('A code from your phone at every sign-in.')} testId="section-2fa"><TwoFactorSection /></Section>
        <Section title={t('Passkeys')} description={t('Sign in with your device instead of a password.')}><Passkeys /></Section>
        <Section title={t('Account bindings')}><Bindings self={me} /></Section>
        <Section title={t('Access token')}><AccessToken has={!!me.has_access_token} /></Section>
        <Section title={t('Notifications')}><Notifications self={me} /></Section>
        <Section title={t('Language')}><Language /></Section>
      </div>
    </div>
  )
}
