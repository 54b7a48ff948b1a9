import { useState } from 'react'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { toast } from 'sonner'
import { CreditCard, Gift, Users } from 'lucide-react'
import { api } from '@/api/client'
import type { SelfUser } from '@/api/types'
import { Button } from '@/components/ui/button'
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card'
import { Input } from '@/components/ui/input'
import { Skeleton } from '@/components/ui/skeleton'
import { CopyButton } from '@/components/common/copy-button'
import { Field, PageHeader } from '@/components/common/empty'
import { Quota } from '@/components/common/quota'
import { useStatus } from '@/lib/status'

interface TopupInfo {
  enable_online_topup?: boolean
  enable_stripe_topup?: boolean
  pay_methods?: { name: string; type: string }[]
  min_topup?: number
  amount_options?: number[]
}

export default function TopupPage() {
  const { t } = useTranslation()
  const qc = useQueryClient()
  const { data: status } = useStatus()
  const self = useQuery({ queryKey: ['self'], queryFn: () => api.get<SelfUser>('/api/user/self') })
  const info = useQuery({ queryKey: ['topup-info'], queryFn: () => api.get<TopupInfo>('/api/user/topup/info'), meta: { silent: true }, retry: false })
  const aff = useQuery({ queryKey: ['aff'], queryFn: () => api.get<string>('/api/user/aff'), meta: { silent: true }, retry: false })
  const [code, setCode] = useState('')
  const [amount, setAmount] = useState('10')
  const redeem = useMutation({
    mutationFn: () => api.post<number>('/api/user/topup', { key: code.trim() }),
    onSuccess: () => {
      toast.success(t('Redeemed'))
      setCode('')
      void qc.invalidateQueries({ queryKey: ['self'] })
    },
  })
  const pay = useMutation({
    mutationFn: (method: string) =>
      method === 'stripe'
        ? api.post<{ pay_link?: string; url?: string }>('/api/user/stripe/pay', { amount: Number(amount), payment_method: 'stripe' })
        : api.post<{ pay_link?: string; url?: string }>('/api/user/pay', { amount: Number(amount), payment_method: method }),
    onSuccess: (r) => {
      const link = (r as { pay_link?: string; url?: string })?.pay_link || (r as { url?: string })?.url
      if (link) location.assign(link)
    },
  })
  const online = info.data?.enable_online_topup || info.data?.enable_stripe_topup
  const affLink = aff.data ? `${location.origin}/register?aff=${aff.data}` : ''
  return (
    <div>
      <PageHeader title={t('Wallet')} description={t('Your balance, redemption codes and payments.')} />
      <div className="grid gap-4 lg:grid-cols-3">
        <Card>
          <CardHeader>
            <CardDescription>{t('Balance')}</CardDescription>
            <CardTitle className="text-3xl" data-testid="wallet-balance">
              {self.isLoading ? <Skeleton className="h-9 w-32" /> : <Quota value={self.data?.quota} />}
            </CardTitle>
          </CardHeader>
          <CardContent className="grid grid-cols-2 gap-2 text-sm text-muted-foreground">
            <div>{t('Used quota')}: <Quota value={self.data?.used_quota} /></div>
            <div>{t('Requests')}: {(self.data?.request_count ?? 0).toLocaleString()}</div>
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle className="flex items-center gap-2 text-base"><Gift className="size-4" /> {t('Redeem a code')}</CardTitle>
          </CardHeader>
          <CardContent>
            <form className="grid gap-3" onSubmit={(e) => { e.preventDefault(); if (code.trim()) redeem.mutate() }}>
              <Field label={t('Redemption code')} htmlFor="redeem-code">
                <Input id="redeem-code" value={code} onChange={(e) => setCode(e.target.value)} autoComplete="off" />
              </Field>
              <div className="flex gap-2">
                <Button type="submit" disabled={redeem.isPending || !code.trim()}>{t('Redeem')}</Button>
                {status?.top_up_link && (
                  <Button variant="outline" asChild><a href={status.top_up_link} target="_blank" rel="noreferrer">{t('Buy a code')}</a></Button>
                )}
              </div>
            </form>
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle className="flex items-center gap-2 text-base"><CreditCard className="size-4" /> {t('Online top-up')}</CardTitle>
            {!online && <CardDescription>{t('Online payment is not enabled on this site.')}</CardDescription>}
          </CardHeader>
          {online && (
            <CardContent className="grid gap-3">
              <div className="flex flex-wrap gap-2">
                {(info.data?.amount_options?.length ? info.data.amount_options : [10, 20, 50, 100]).map((a) => (
                  <Button key={a} size="sm" variant={String(a) === amount ? 'default' : 'outline'} onClick={() => setAmount(String(a))}>{a}</Button>
                ))}
              </div>
              <Field label={t('Amount')} htmlFor="pay-amount">
                <Input id="pay-amount" type="number" min={info.data?.min_topup ?? 1} value={amount} onChange={(e) => setAmount(e.target.value)} />
              </Field>
              <div className="flex flex-wrap gap-2">
                {(info.data?.pay_methods ?? []).map((m) => (
                  <Button key={m.type} variant="outline" onClick={() => pay.mutate(m.type)} disabled={pay.isPending}>{m.name}</Button>
                ))}
                {info.data?.enable_stripe_topup && <Button onClick={() => pay.mutate('stripe')} disabled={pay.isPending}>Stripe</Button>}
              </div>
            </CardContent>
          )}
        </Card>
        {affLink && (
          <Card className="lg:col-span-3">
            <CardHeader>
              <CardTitle className="flex items-center gap-2 text-base"><Users className="size-4" /> {t('Invite friends')}</CardTitle>
              <CardDescription>{t('Invited {{n}} · reward {{q}}', { n: self.data?.aff_count ?? 0, q: '' })}<Quota value={self.data?.aff_quota} /></CardDescription>
            </CardHeader>
            <CardContent className="flex gap-2">
              <Input readOnly value={affLink} aria-label={t('Invitation link')} />
              <CopyButton text={affLink} />
            </CardContent>
          </Card>
        )}
      </div>
    </div>
  )
}
