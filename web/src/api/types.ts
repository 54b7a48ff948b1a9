/** Names for the generated OpenAPI shapes (schema.d.ts), plus shapes of routes still being built server-side. */
import type { components } from './schema'

type S = components['schemas']

export type Status = Record<string, unknown> & {
  system_name?: string
  logo?: string
  footer_html?: string
  server_address?: string
  version?: string
  setup?: boolean
  quota_per_unit?: number
  quota_display_type?: string
  usd_exchange_rate?: number
  display_in_currency?: boolean
  register_enabled?: boolean
  password_login_enabled?: boolean
  password_register_enabled?: boolean
  email_verification?: boolean
  github_oauth?: boolean
  github_client_id?: string
  discord_oauth?: boolean
  discord_client_id?: string
  oidc_enabled?: boolean
  oidc_client_id?: string
  oidc_authorization_endpoint?: string
  linuxdo_oauth?: boolean
  linuxdo_client_id?: string
  telegram_oauth?: boolean
  wechat_login?: boolean
  passkey_login?: boolean
  turnstile_check?: boolean
  top_up_link?: string
  chat_link?: string
  enable_data_export?: boolean
}

export type Channel = S['ChannelPublic']
export type ChannelCreate = S['ChannelCreate']
export type ChannelUpdate = S['ChannelUpdate']
export type ChannelPage = S['ChannelPage']
export type Token = S['TokenPublic']
export type TokenCreate = S['TokenCreate']
export type TokenUpdate = S['TokenUpdate']
export type LogRow = S['LogPublic']
export type LogStat = S['LogStat']
export type SelfUser = S['SelfPublic']
export type User = S['UserPublic']
export type UserCreate = S['UserCreate']
export type UserUpdate = S['UserUpdate']
/** What /api/user/login (and 2FA, passkey, OAuth logins) answer with; the route declares Envelope[Any]. */
export interface LoginUser {
  id: number
  username: string
  display_name: string
  role: number
  status: number
  group: string
}
export type OptionRow = S['OptionPublic']

export interface Page<T> {
  items: T[]
  total: number
  page: number
  page_size: number
}

/** /api/data/self rows (new-api QuotaData: per model per hour). */
export interface QuotaDataRow {
  model_name: string
  created_at: number
  count: number
  quota: number
  token_used: number
  username?: string
}

export interface Redemption {
  id: number
  name: string
  key: string
  status: number
  quota: number
  count?: number
  created_time: number
  redeemed_time: number
  used_user_id: number
  expired_time: number
}

export interface PricingModel {
  model_name: string
  quota_type: number
  model_ratio: number
  model_price: number
  completion_ratio: number
  enable_groups: string[]
  owner_by?: string
  vendor_name?: string
  description?: string
  tags?: string
  supported_endpoint_types?: string[]
}
