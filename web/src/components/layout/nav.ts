import {
  BarChart3,
  Bot,
  CreditCard,
  FileText,
  Gift,
  KeyRound,
  LayoutDashboard,
  Network,
  Settings,
  Tags,
  UserCog,
  Users,
  type LucideIcon,
} from 'lucide-react'
import { ROLE_ADMIN, ROLE_ROOT } from '@/lib/auth'

export interface NavItem {
  to: string
  label: string
  icon: LucideIcon
  role?: number
}
export interface NavSection {
  label: string
  items: NavItem[]
}

export const NAV: NavSection[] = [
  { label: 'Chat', items: [{ to: '/console/playground', label: 'Playground', icon: Bot }] },
  {
    label: 'Console',
    items: [
      { to: '/console', label: 'Dashboard', icon: LayoutDashboard },
      { to: '/console/token', label: 'Tokens', icon: KeyRound },
      { to: '/console/log', label: 'Usage logs', icon: FileText },
    ],
  },
  {
    label: 'Personal',
    items: [
      { to: '/console/topup', label: 'Wallet', icon: CreditCard },
      { to: '/console/personal', label: 'Personal settings', icon: UserCog },
    ],
  },
  {
    label: 'Admin',
    items: [
      { to: '/console/channel', label: 'Channels', icon: Network, role: ROLE_ADMIN },
      { to: '/console/redemption', label: 'Redemption codes', icon: Gift, role: ROLE_ADMIN },
      { to: '/console/user', label: 'Users', icon: Users, role: ROLE_ADMIN },
      { to: '/console/setting', label: 'System settings', icon: Settings, role: ROLE_ROOT },
    ],
  },
  { label: 'Public', items: [{ to: '/pricing', label: 'Pricing', icon: Tags }] },
]

export function visibleNav(role: number): NavSection[] {
  return NAV.map((s) => ({ ...s, items: s.items.filter((i) => (i.role ?? 0) <= role) })).filter((s) => s.items.length)
}

export const BRAND_ICON = BarChart3
