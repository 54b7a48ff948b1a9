import { useEffect } from 'react'
import { Controller, useForm } from 'react-hook-form'
import { zodResolver } from '@hookform/resolvers/zod'
import { z } from 'zod'
import { useQuery } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import type { Token, TokenCreate } from '@/api/types'
import { Button } from '@/components/ui/button'
import { Input, Textarea } from '@/components/ui/input'
import { Switch } from '@/components/ui/switch'
import { Select } from '@/components/ui/select'
import { Field } from '@/components/common/empty'
import { joinList, splitList, TagInput } from '@/components/common/tag-input'
import { useQuotaConfig } from '@/lib/status'
import { amountToQuota, quotaToAmount } from '@/lib/quota'
import { invalidIps } from '@/lib/validate'
import { localInputToSeconds, secondsToLocalInput } from '@/lib/query'
import { nowSeconds } from '@/lib/utils'
import { tokensApi } from './api'

const schema = z.object({
  name: z.string().trim().min(1, 'Enter a name').max(50, 'At most 50 characters'),
  expires: z.string(),
  unlimited_quota: z.boolean(),
  amount: z.number({ message: 'Enter a number' }).min(0, 'Must not be negative'),
  model_limits_enabled: z.boolean(),
  model_limits: z.array(z.string()),
  allow_ips: z.string().refine((v) => invalidIps(v).length === 0, { message: 'One IP or CIDR per line' }),
  group: z.string(),
})
type Values = z.infer<typeof schema>

export function TokenForm({ token, onSubmit, busy }: { token?: Token; onSubmit: (body: TokenCreate) => void; busy?: boolean }) {
  const { t } = useTranslation()
  const cfg = useQuotaConfig()
  const groups = useQuery({ queryKey: ['self-groups'], queryFn: tokensApi.groups, meta: { silent: true }, retry: false })
  const models = useQuery({ queryKey: ['user-models'], queryFn: tokensApi.models, meta: { silent: true }, retry: false })
  const form = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: {
      name: token?.name ?? '',
      expires: token && token.expired_time > 0 ? secondsToLocalInput(token.expired_time) : '',
      unlimited_quota: token?.unlimited_quota ?? true,
      amount: token ? Number(quotaToAmount(token.remain_quota, cfg).toFixed(6)) : 0,
      model_limits_enabled: token?.model_limits_enabled ?? false,
      model_limits: splitList(token?.model_limits),
      allow_ips: token?.allow_ips ?? '',
      group: token?.group ?? '',
    },
  })
  const errors = form.formState.errors
  const unlimited = form.watch('unlimited_quota')
  const limitModels = form.watch('model_limits_enabled')
  useEffect(() => form.setFocus('name'), [form])
  const submit = form.handleSubmit((v) =>
    onSubmit({
      name: v.name,
      expired_time: v.expires ? localInputToSeconds(v.expires) : -1,
      unlimited_quota: v.unlimited_quota,
      remain_quota: v.unlimited_quota ? 0 : amountToQuota(v.amount, cfg),
      model_limits_enabled: v.model_limits_enabled,
      model_limits: joinList(v.model_limits),
      allow_ips: v.allow_ips.trim(),
      group: v.group,
      cross_group_retry: token?.cross_group_retry ?? false,
    }),
  )
  const quick = (seconds: number) => form.setValue('expires', seconds < 0 ? '' : secondsToLocalInput(nowSeconds() + seconds))
  const groupOptions = Object.entries(groups.data ?? {}).map(([g, info]) => ({ value: g, label: info?.desc ? `${g} — ${info.desc}` : g }))
  return (
    <form onSubmit={submit} className="grid gap-4" noValidate>
      <Field label={t('Name')} htmlFor="token-name" error={errors.name && t(errors.name.message!)}>
        <Input id="token-name" {...form.register('name')} aria-invalid={!!errors.name} />
      </Field>
      <Field label={t('Expires')} htmlFor="token-expires" hint={t('Empty means never')}>
        <div className="flex flex-wrap gap-2">
          <Input id="token-expires" type="datetime-local" className="w-auto flex-1" {...form.register('expires')} />
          <Button variant="outline" size="sm" className="h-9" onClick={() => quick(-1)}>{t('Never')}</Button>
          <Button variant="outline" size="sm" className="h-9" onClick={() => quick(30 * 86400)}>{t('1 month')}</Button>
          <Button variant="outline" size="sm" className="h-9" onClick={() => quick(86400)}>{t('1 day')}</Button>
          <Button variant="outline" size="sm" className="h-9" onClick={() => quick(3600)}>{t('1 hour')}</Button>
        </div>
      </Field>
      <div className="grid gap-3 rounded-lg border p-3">
        <label className="flex items-center justify-between text-sm font-medium" htmlFor="token-unlimited">
          {t('Unlimited quota')}
          <Controller control={form.control} name="unlimited_quota" render={({ field }) => <Switch id="token-unlimited" checked={field.value} onCheckedChange={field.onChange} />} />
        </label>
        {!unlimited && (
          <Field label={cfg.type === 'TOKENS' ? t('Quota') : t('Quota ({{symbol}})', { symbol: cfg.symbol })} htmlFor="token-amount" error={errors.amount && t(errors.amount.message!)}>
            <Input id="token-amount" type="number" step="any" min={0} {...form.register('amount', { valueAsNumber: true })} aria-invalid={!!errors.amount} />
          </Field>
        )}
      </div>
      <div className="grid gap-3 rounded-lg border p-3">
        <label className="flex items-center justify-between text-sm font-medium" htmlFor="token-limit-models">
          {t('Limit models')}
          <Controller control={form.control} name="model_limits_enabled" render={({ field }) => <Switch id="token-limit-models" checked={field.value} onCheckedChange={field.onChange} />} />
        </label>
        {limitModels && (
          <Controller
            control={form.control}
            name="model_limits"
            render={({ field }) => (
              <TagInput ariaLabel={t('Allowed models')} value={field.value} onChange={field.onChange} suggestions={models.data ?? []} placeholder={t('Type a model and press Enter')} />
            )}
          />
        )}
      </div>
      <Field label={t('IP allow-list')} htmlFor="token-ips" hint={t('One IP or CIDR per line; empty allows any address')} error={errors.allow_ips && t(errors.allow_ips.message!)}>
        <Textarea id="token-ips" rows={2} className="font-mono text-xs" {...form.register('allow_ips')} aria-invalid={!!errors.allow_ips} />
      </Field>
      <Field label={t('Group')} htmlFor="token-group" hint={t("Empty uses your account's group")}>
        {groupOptions.length ? (
          <Controller
            control={form.control}
            name="group"
            render={({ field }) => <Select id="token-group" value={field.value} onValueChange={field.onChange} options={[{ value: '', label: t('Account group') }, ...groupOptions]} />}
          />
        ) : (
          <Input id="token-group" {...form.register('group')} />
        )}
      </Field>
      <div className="flex justify-end gap-2">
        <Button type="submit" disabled={busy}>
          {token ? t('Save') : t('Create')}
        </Button>
      </div>
    </form>
  )
}
