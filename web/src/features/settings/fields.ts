/** The option keys each settings tab edits, and how (new-api's option names). */
export type Kind = 'bool' | 'text' | 'secret' | 'number' | 'textarea' | 'json' | 'select'
export interface FieldSpec {
  key: string
  label: string
  kind: Kind
  hint?: string
  options?: { value: string; label: string }[]
}
export interface Group {
  id: string
  label: string
  fields: FieldSpec[]
}

export const RATIO_KEYS = ['ModelRatio', 'CompletionRatio', 'CacheRatio', 'ModelPrice', 'GroupRatio'] as const

export const GROUPS: Group[] = [
  {
    id: 'system',
    label: 'System',
    fields: [
      { key: 'SystemName', label: 'System name', kind: 'text' },
      { key: 'Logo', label: 'Logo URL', kind: 'text' },
      { key: 'ServerAddress', label: 'Server address', kind: 'text', hint: 'Shown in API examples and used for payment callbacks' },
      { key: 'Footer', label: 'Footer (HTML)', kind: 'textarea' },
      { key: 'Notice', label: 'Notice (Markdown)', kind: 'textarea' },
      { key: 'About', label: 'About (Markdown or URL)', kind: 'textarea' },
      { key: 'HomePageContent', label: 'Home page content', kind: 'textarea' },
      { key: 'RegisterEnabled', label: 'Allow registration', kind: 'bool' },
      { key: 'PasswordLoginEnabled', label: 'Allow password sign-in', kind: 'bool' },
      { key: 'PasswordRegisterEnabled', label: 'Allow password registration', kind: 'bool' },
      { key: 'EmailVerificationEnabled', label: 'Require email verification', kind: 'bool' },
      { key: 'EmailDomainRestrictionEnabled', label: 'Restrict email domains', kind: 'bool' },
      { key: 'EmailDomainWhitelist', label: 'Allowed email domains', kind: 'text', hint: 'Comma-separated' },
      { key: 'SMTPServer', label: 'SMTP server', kind: 'text' },
      { key: 'SMTPPort', label: 'SMTP port', kind: 'number' },
      { key: 'SMTPAccount', label: 'SMTP account', kind: 'text' },
      { key: 'SMTPFrom', label: 'SMTP sender', kind: 'text' },
      { key: 'SMTPToken', label: 'SMTP password', kind: 'secret' },
      { key: 'SMTPSSLEnabled', label: 'SMTP over SSL', kind: 'bool' },
    ],
  },
  {
    id: 'operation',
    label: 'Operation',
    fields: [
      {
        key: 'QuotaDisplayType',
        label: 'Show quota as',
        kind: 'select',
        options: [
          { value: 'USD', label: 'USD ($)' },
          { value: 'CNY', label: 'CNY (¥)' },
          { value: 'TOKENS', label: 'Tokens (raw quota)' },
          { value: 'CUSTOM', label: 'Custom currency' },
        ],
      },
      { key: 'QuotaPerUnit', label: 'Quota per USD', kind: 'number' },
      { key: 'USDExchangeRate', label: 'USD exchange rate', kind: 'number' },
      { key: 'DisplayInCurrencyEnabled', label: 'Show quota in currency', kind: 'bool' },
      { key: 'QuotaForNewUser', label: 'Quota for new users', kind: 'number' },
      { key: 'QuotaForInviter', label: 'Quota for the inviter', kind: 'number' },
      { key: 'QuotaForInvitee', label: 'Quota for the invitee', kind: 'number' },
      { key: 'PreConsumedQuota', label: 'Pre-consumed quota', kind: 'number' },
      { key: 'QuotaRemindThreshold', label: 'Low-balance reminder threshold', kind: 'number' },
      { key: 'TopUpLink', label: 'Top-up link', kind: 'text' },
      { key: 'ChatLink', label: 'Chat link', kind: 'text' },
      { key: 'RetryTimes', label: 'Retries on upstream failure', kind: 'number' },
      { key: 'AutomaticDisableChannelEnabled', label: 'Disable failing channels automatically', kind: 'bool' },
      { key: 'AutomaticEnableChannelEnabled', label: 'Re-enable recovered channels automatically', kind: 'bool' },
      { key: 'ChannelDisableThreshold', label: 'Disable when a test takes longer than (s)', kind: 'number' },
      { key: 'AutomaticDisableKeywords', label: 'Disable on these error keywords', kind: 'textarea', hint: 'One per line' },
      { key: 'DefaultCompletionReserveTokens', label: 'Default completion tokens to reserve', kind: 'number' },
      { key: 'SelfUseModeEnabled', label: 'Self-use mode', kind: 'bool' },
      { key: 'DemoSiteEnabled', label: 'Demo site mode', kind: 'bool' },
      { key: 'DataExportEnabled', label: 'Collect dashboard data', kind: 'bool' },
      {
        key: 'DataExportDefaultTime',
        label: 'Dashboard granularity',
        kind: 'select',
        options: [
          { value: 'hour', label: 'Hour' },
          { value: 'day', label: 'Day' },
          { value: 'week', label: 'Week' },
        ],
      },
      { key: 'DefaultCollapseSidebar', label: 'Collapse the sidebar by default', kind: 'bool' },
      { key: 'ExposeRatioEnabled', label: 'Expose ratios on the pricing page', kind: 'bool' },
    ],
  },
  {
    id: 'payments',
    label: 'Payments',
    fields: [
      { key: 'PayAddress', label: 'Epay address', kind: 'text' },
      { key: 'CustomCallbackAddress', label: 'Callback address', kind: 'text' },
      { key: 'EpayId', label: 'Epay merchant ID', kind: 'text' },
      { key: 'EpayKey', label: 'Epay key', kind: 'secret' },
      { key: 'Price', label: 'Price per USD of quota', kind: 'number' },
      { key: 'MinTopUp', label: 'Minimum top-up', kind: 'number' },
      { key: 'PayMethods', label: 'Payment methods (JSON)', kind: 'json' },
      { key: 'StripeApiSecret', label: 'Stripe API secret', kind: 'secret' },
      { key: 'StripeWebhookSecret', label: 'Stripe webhook secret', kind: 'secret' },
      { key: 'StripePriceId', label: 'Stripe price ID', kind: 'text' },
      { key: 'StripeUnitPrice', label: 'Stripe unit price', kind: 'number' },
      { key: 'StripeMinTopUp', label: 'Stripe minimum top-up', kind: 'number' },
      { key: 'StripePromotionCodesEnabled', label: 'Allow Stripe promotion codes', kind: 'bool' },
    ],
  },
  {
    id: 'oauth',
    label: 'OAuth & security',
    fields: [
      { key: 'GitHubOAuthEnabled', label: 'GitHub sign-in', kind: 'bool' },
      { key: 'GitHubClientId', label: 'GitHub client ID', kind: 'text' },
      { key: 'GitHubClientSecret', label: 'GitHub client secret', kind: 'secret' },
      { key: 'DiscordOAuthEnabled', label: 'Discord sign-in', kind: 'bool' },
      { key: 'DiscordClientId', label: 'Discord client ID', kind: 'text' },
      { key: 'DiscordClientSecret', label: 'Discord client secret', kind: 'secret' },
      { key: 'oidc.enabled', label: 'OIDC sign-in', kind: 'bool' },
      { key: 'oidc.client_id', label: 'OIDC client ID', kind: 'text' },
      { key: 'oidc.client_secret', label: 'OIDC client secret', kind: 'secret' },
      { key: 'oidc.well_known', label: 'OIDC discovery URL', kind: 'text' },
      { key: 'passkey.enabled', label: 'Passkey sign-in', kind: 'bool' },
      { key: 'TurnstileCheckEnabled', label: 'Cloudflare Turnstile', kind: 'bool' },
      { key: 'TurnstileSiteKey', label: 'Turnstile site key', kind: 'text' },
      { key: 'TurnstileSecretKey', label: 'Turnstile secret key', kind: 'secret' },
    ],
  },
  {
    id: 'limits',
    label: 'Rate limits',
    fields: [
      { key: 'ModelRequestRateLimitEnabled', label: 'Limit requests per user', kind: 'bool' },
      { key: 'ModelRequestRateLimitDurationMinutes', label: 'Window (minutes)', kind: 'number' },
      { key: 'ModelRequestRateLimitCount', label: 'Requests per window (all)', kind: 'number' },
      { key: 'ModelRequestRateLimitSuccessCount', label: 'Successful requests per window', kind: 'number' },
      { key: 'ModelRequestRateLimitGroup', label: 'Per-group limits (JSON)', kind: 'json', hint: '{"vip": [200, 100]}' },
    ],
  },
  {
    id: 'logs',
    label: 'Logs',
    fields: [{ key: 'LogConsumeEnabled', label: 'Record consumption logs', kind: 'bool' }],
  },
]
