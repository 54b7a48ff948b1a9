import { useState } from 'react'
import { Check, Copy } from 'lucide-react'
import { useTranslation } from 'react-i18next'
import { toast } from 'sonner'
import { Button, type ButtonProps } from '@/components/ui/button'
import { copyText } from '@/lib/utils'

/** Copies `text` (or what `getText` resolves, e.g. a key revealed on request). */
export function CopyButton({
  text,
  getText,
  label,
  ...props
}: { text?: string; getText?: () => Promise<string>; label?: string } & ButtonProps) {
  const { t } = useTranslation()
  const [done, setDone] = useState(false)
  return (
    <Button
      variant="ghost"
      size={label ? 'sm' : 'icon-sm'}
      aria-label={label || t('Copy')}
      title={label || t('Copy')}
      {...props}
      onClick={async (e) => {
        e.stopPropagation()
        const value = getText ? await getText() : (text ?? '')
        if (await copyText(value)) {
          setDone(true)
          toast.success(t('Copied'))
          setTimeout(() => setDone(false), 1500)
        }
      }}
    >
      {done ? <Check /> : <Copy />}
      {label}
    </Button>
  )
}
