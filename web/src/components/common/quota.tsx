import { useQuotaConfig } from '@/lib/status'
import { formatQuota, quotaTitle } from '@/lib/quota'
import { cn } from '@/lib/utils'
import { Tooltip } from '@/components/ui/tooltip'

/** A quota in the configured display unit; hover (or focus) shows the raw quota units. */
export function Quota({ value, className, digits }: { value: number | null | undefined; className?: string; digits?: number }) {
  const cfg = useQuotaConfig()
  return (
    <Tooltip content={quotaTitle(value, cfg)}>
      <span tabIndex={0} className={cn('tabular-nums underline decoration-dotted decoration-muted-foreground/40 underline-offset-4', className)} data-quota={value ?? 0}>
        {formatQuota(value, cfg, digits)}
      </span>
    </Tooltip>
  )
}
