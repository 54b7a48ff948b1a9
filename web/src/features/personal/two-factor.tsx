import { useState } from 'react'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { QRCodeSVG } from 'qrcode.react'
import { useTranslation } from 'react-i18next'
import { toast } from 'sonner'
import { ShieldCheck } from 'lucide-react'
import { api, isMissingRoute } from '@/api/client'
import { Badge } from '@/components/ui/badge'
import { Button } from '@/components/ui/button'
import { Input } from '@/components/ui/input'
import { CopyButton } from '@/components/common/copy-button'
import { Field } from '@/components/common/empty'
import { useConfirm } from '@/components/common/confirm'

interface TwoFAStatus {
  enabled: boolean
  locked?: boolean
  backup_codes_remaining?: number
}
interface TwoFASetup {
  secret: string
  qr_code_data: string
  backup_codes: string[]
}

/** new-api's /api/user/2fa/*: status → setup (QR, secret, backup codes) → enable with a code. */
export function TwoFactorSection() {
  const { t } = useTranslation()
  const qc = useQueryClient()
  const confirm = useConfirm()
  const status = useQuery({ queryKey: ['2fa'], queryFn: () => api.get<TwoFAStatus>('/api/user/2fa/status'), meta: { silent: true }, retry: false })
  const [setup, setSetup] = useState<TwoFASetup | null>(null)
  const [code, setCode] = useState('')
  const [codes, setCodes] = useState<string[] | null>(null)
  const refresh = () => qc.invalidateQueries({ queryKey: ['2fa'] })
  const begin = useMutation({ mutationFn: () => api.post<TwoFASetup>('/api/user/2fa/setup'), onSuccess: (d) => { setSetup(d); setCode('') } })
  const enable = useMutation({
    mutationFn: () => api.post('/api/user/2fa/enable', { code: code.trim() }),
    onSuccess: () => {
      toast.success(t('Two-factor authentication is on'))
      setCodes(setup?.backup_codes ?? null)
      setSetup(null)
      setCode('')
      void refresh()
    },
  })
  const disable = useMutation({
    mutationFn: () => api.post('/api/user/2fa/disable', { code: code.trim() }),
    onSuccess: () => { toast.success(t('Two-factor authentication is off')); setCode(''); void refresh() },
  })
  const regen = useMutation({
    mutationFn: () => api.post<{ backup_codes: string[] }>('/api/user/2fa/backup_codes', { code: code.trim() }),
    onSuccess: (d) => { setCodes(d.backup_codes); setCode(''); void refresh() },
  })
  if (status.isError && isMissingRoute(status.error)) {
    return <p className="text-sm text-muted-foreground">{t('Two-factor authentication is not available on this server yet.')}</p>
  }
  const enabled = !!status.data?.enabled
  return (
    <div className="grid gap-4" data-testid="twofa">
      <div className="flex items-center gap-2 text-sm">
        <ShieldCheck className="size-4" />
        {enabled ? <Badge variant="success">{t('Enabled')}</Badge> : <Badge variant="secondary">{t('Not enabled')}</Badge>}
        {enabled && <span className="text-muted-foreground">{t('{{n}} backup codes left', { n: status.data?.backup_codes_remaining ?? 0 })}</span>}
      </div>
      {!enabled && !setup && (
        <Button className="w-fit" onClick={() => begin.mutate()} disabled={begin.isPending} data-testid="twofa-setup">
          {t('Set up two-factor authentication')}
        </Button>
      )}
      {setup && (
        <div className="grid gap-4 rounded-lg border p-4 md:grid-cols-[auto_1fr]">
          <div className="rounded-lg bg-white p-3">
            <QRCodeSVG value={setup.qr_code_data} size={168} aria-label={t('QR code for your authenticator app')} />
          </div>
          <div className="grid content-start gap-3">
            <p className="text-sm">{t('Scan the QR code with an authenticator app, or enter the secret:')}</p>
            <div className="flex items-center gap-2">
              <code className="rounded bg-muted px-2 py-1 font-mono text-xs" data-testid="twofa-secret">{setup.secret}</code>
              <CopyButton text={setup.secret} />
            </div>
            <p className="text-sm">{t('Backup codes (each works once):')}</p>
            <div className="grid grid-cols-2 gap-1 font-mono text-xs sm:grid-cols-4">
              {setup.backup_codes.map((c) => <span key={c} className="rounded bg-muted px-2 py-1">{c}</span>)}
            </div>
            <CopyButton className="w-fit" variant="outline" label={t('Copy backup codes')} text={setup.backup_codes.join('\n')} />
          </div>
        </div>
      )}
      {(setup || enabled) && (
        <form
          className="flex flex-wrap items-end gap-2"
          onSubmit={(e) => {
            e.preventDefault()
            if (setup) enable.mutate()
          }}
        >
          <Field label={t('Verification code')} htmlFor="twofa-code">
            <Input id="twofa-code" inputMode="numeric" autoComplete="one-time-code" className="w-40" value={code} onChange={(e) => setCode(e.target.value)} />
          </Field>
          {setup ? (
            <Button type="submit" disabled={!code.trim() || enable.isPending} data-testid="twofa-enable">{t('Enable')}</Button>
          ) : (
            <>
              <Button variant="outline" disabled={!code.trim()} onClick={() => regen.mutate()}>{t('New backup codes')}</Button>
              <Button
                variant="destructive"
                disabled={!code.trim()}
                onClick={async () => {
                  if (await confirm({ title: t('Turn off two-factor authentication?'), description: t('Your account will be protected by the password only.'), confirmText: t('Turn off') })) disable.mutate()
                }}
              >
                {t('Disable')}
              </Button>
            </>
          )}
        </form>
      )}
      {codes && (
        <div className="rounded-lg border border-warning/50 bg-warning/10 p-3 text-sm">
          <p className="mb-2 font-medium">{t('Save these backup codes now:')}</p>
          <div className="grid grid-cols-2 gap-1 font-mono text-xs sm:grid-cols-4">{codes.map((c) => <span key={c}>{c}</span>)}</div>
          <CopyButton className="mt-2" variant="outline" label={t('Copy backup codes')} text={codes.join('\n')} />
        </div>
      )}
    </div>
  )
}
