import { useNavigate } from '@tanstack/react-router'
import { useForm } from 'react-hook-form'
import { zodResolver } from '@hookform/resolvers/zod'
import { z } from 'zod'
import { useTranslation } from 'react-i18next'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { toast } from 'sonner'
import { Loader2 } from 'lucide-react'
import { api } from '@/api/client'
import { Button } from '@/components/ui/button'
import { Input } from '@/components/ui/input'
import { Switch } from '@/components/ui/switch'
import { Field } from '@/components/common/empty'
import { AuthLayout } from '@/components/layout/auth-layout'

const schema = z
  .object({
    username: z.string().trim().min(1, 'Enter a username').max(12, 'At most 12 characters'),
    password: z.string().min(8, 'At least 8 characters'),
    confirmPassword: z.string(),
    SelfUseModeEnabled: z.boolean(),
    DemoSiteEnabled: z.boolean(),
  })
  .refine((v) => v.password === v.confirmPassword, { path: ['confirmPassword'], message: 'Passwords do not match' })
type Values = z.infer<typeof schema>

export default function SetupPage() {
  const { t } = useTranslation()
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  const setup = useQuery({ queryKey: ['setup'], queryFn: () => api.get<{ status: boolean; database_type?: string }>('/api/setup') })
  const form = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: { username: 'root', password: '', confirmPassword: '', SelfUseModeEnabled: false, DemoSiteEnabled: false },
  })
  const errors = form.formState.errors
  const onSubmit = form.handleSubmit(async (v) => {
    await api.post('/api/setup', {
      username: v.username,
      password: v.password,
      confirmPassword: v.confirmPassword,
      SelfUseModeEnabled: v.SelfUseModeEnabled,
      DemoSiteEnabled: v.DemoSiteEnabled,
    })
    toast.success(t('Setup complete, please sign in'))
    await queryClient.invalidateQueries({ queryKey: ['status'] })
    void navigate({ to: '/login' })
  }, undefined)
  const done = setup.data?.status
  return (
    <AuthLayout title={t('First-run setup')} subtitle={done ? t('The system is already set up.') : t('Create the root administrator account.')}>
      {done ? (
        <Button className="w-full" onClick={() => void navigate({ to: '/login' })}>
          {t('Go to sign in')}
        </Button>
      ) : (
        <form
          className="grid gap-4"
          noValidate
          onSubmit={(e) => {
            onSubmit(e).catch((err: Error) => toast.error(t(err.message)))
          }}
        >
          {setup.data?.database_type && (
            <p className="rounded-md bg-muted px-3 py-2 text-xs text-muted-foreground">
              {t('Database')}: <span className="font-mono">{setup.data.database_type}</span>
            </p>
          )}
          <Field label={t('Root username')} htmlFor="username" error={errors.username && t(errors.username.message!)}>
            <Input id="username" autoComplete="username" {...form.register('username')} aria-invalid={!!errors.username} />
          </Field>
          <Field label={t('Password')} htmlFor="password" error={errors.password && t(errors.password.message!)}>
            <Input id="password" type="password" autoComplete="new-password" {...form.register('password')} aria-invalid={!!errors.password} />
          </Field>
          <Field label={t('Confirm password')} htmlFor="confirmPassword" error={errors.confirmPassword && t(errors.confirmPassword.message!)}>
            <Input id="confirmPassword" type="password" autoComplete="new-password" {...form.register('confirmPassword')} aria-invalid={!!errors.confirmPassword} />
          </Field>
          <label className="flex items-center justify-between gap-3 text-sm">
            <span>
              {t('Self-use mode')}
              <span className="block text-xs text-muted-foreground">{t('Models without a price are allowed (charged at the default ratio).')}</span>
            </span>
            <Switch checked={form.watch('SelfUseModeEnabled')} onCheckedChange={(v) => form.setValue('SelfUseModeEnabled', v)} aria-label={t('Self-use mode')} />
          </label>
          <label className="flex items-center justify-between gap-3 text-sm">
            <span>{t('Demo site mode')}</span>
            <Switch checked={form.watch('DemoSiteEnabled')} onCheckedChange={(v) => form.setValue('DemoSiteEnabled', v)} aria-label={t('Demo site mode')} />
          </label>
          <Button type="submit" disabled={form.formState.isSubmitting}>
            {form.formState.isSubmitting && <Loader2 className="animate-spin" />} {t('Initialize')}
          </Button>
        </form>
      )}
    </AuthLayout>
  )
}
