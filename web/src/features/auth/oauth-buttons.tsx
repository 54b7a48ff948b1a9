import { Github, KeyRound, LogIn } from 'lucide-react'
import { useTranslation } from 'react-i18next'
import { Button } from '@/components/ui/button'
import type { Status } from '@/api/types'
import { oauthState } from './session'

interface Provider {
  id: string
  label: string
  enabled: (s: Status) => boolean
  url: (s: Status, state: string, redirect: string) => string
}

const PROVIDERS: Provider[] = [
  {
    id: 'github',
    label: 'GitHub',
    enabled: (s) => !!s.github_oauth,
    url: (s, state) => `https://github.com/login/oauth/authorize?client_id=${s.github_client_id}&state=${state}&scope=user:email`,
  },
  {
    id: 'discord',
    label: 'Discord',
    enabled: (s) => !!s.discord_oauth,
    url: (s, state, r) => `https://discord.com/oauth2/authorize?client_id=${s.discord_client_id}&redirect_uri=${r}&response_type=code&scope=identify+openid&state=${state}`,
  },
  {
    id: 'oidc',
    label: 'OIDC',
    enabled: (s) => !!s.oidc_enabled,
    url: (s, state, r) => `${s.oidc_authorization_endpoint}?client_id=${s.oidc_client_id}&redirect_uri=${r}&response_type=code&scope=openid+profile+email&state=${state}`,
  },
  {
    id: 'linuxdo',
    label: 'LinuxDO',
    enabled: (s) => !!s.linuxdo_oauth,
    url: (s, state) => `https://connect.linux.do/oauth2/authorize?response_type=code&client_id=${s.linuxdo_client_id}&state=${state}`,
  },
]

export function enabledProviders(status: Status | undefined) {
  return status ? PROVIDERS.filter((p) => p.enabled(status)) : []
}

export async function startOAuth(providerId: string, status: Status) {
  const provider = PROVIDERS.find((p) => p.id === providerId)
  if (!provider) return
  const state = await oauthState()
  const redirect = encodeURIComponent(`${location.origin}/oauth/${provider.id}`)
  location.assign(provider.url(status, state, redirect))
}

export function OAuthButtons({ status, onPasskey, passkeyBusy }: { status: Status | undefined; onPasskey?: () => void; passkeyBusy?: boolean }) {
  const { t } = useTranslation()
  const providers = enabledProviders(status)
  if (!providers.length && !(status?.passkey_login && onPasskey)) return null
  return (
    <div className="grid gap-2" data-testid="oauth-buttons">
      <div className="relative my-2 text-center text-xs text-muted-foreground">
        <span className="relative z-10 bg-card px-2">{t('or continue with')}</span>
        <span className="absolute inset-x-0 top-1/2 h-px bg-border" />
      </div>
      {status?.passkey_login && onPasskey && (
        <Button variant="outline" onClick={onPasskey} disabled={passkeyBusy}>
          <KeyRound /> {t('Sign in with a passkey')}
        </Button>
      )}
      {providers.map((p) => (
        <Button key={p.id} variant="outline" onClick={() => status && void startOAuth(p.id, status)}>
          {p.id === 'github' ? <Github /> : <LogIn />} {t('Continue with {{name}}', { name: p.label })}
        </Button>
      ))}
    </div>
  )
}
