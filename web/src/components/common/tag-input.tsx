import { useId, useState } from 'react'
import { X } from 'lucide-react'
import { useTranslation } from 'react-i18next'
import { cn } from '@/lib/utils'

/** Chips for a comma-separated list (models, groups): type + Enter/comma to add, Backspace to remove, suggestions from a datalist. */
export function TagInput({
  value,
  onChange,
  suggestions = [],
  placeholder,
  id,
  ariaLabel,
  invalid,
}: {
  value: string[]
  onChange: (v: string[]) => void
  suggestions?: string[]
  placeholder?: string
  id?: string
  ariaLabel?: string
  invalid?: boolean
}) {
  const { t } = useTranslation()
  const [draft, setDraft] = useState('')
  const listId = useId()
  const add = (raw: string) => {
    const parts = raw.split(/[,\n]/).map((s) => s.trim()).filter(Boolean)
    if (!parts.length) return
    onChange([...value, ...parts.filter((p) => !value.includes(p))])
    setDraft('')
  }
  return (
    <div
      className={cn(
        'flex min-h-9 w-full flex-wrap items-center gap-1 rounded-md border border-input px-2 py-1 text-sm shadow-xs focus-within:ring-2 focus-within:ring-ring/60',
        invalid && 'border-destructive',
      )}
    >
      {value.map((v) => (
        <span key={v} className="inline-flex items-center gap-1 rounded bg-secondary px-1.5 py-0.5 font-mono text-xs">
          {v}
          <button type="button" aria-label={t('Remove {{name}}', { name: v })} className="opacity-60 hover:opacity-100" onClick={() => onChange(value.filter((x) => x !== v))}>
            <X className="size-3" />
          </button>
        </span>
      ))}
      <input
        id={id}
        aria-label={ariaLabel}
        list={suggestions.length ? listId : undefined}
        className="min-w-32 flex-1 bg-transparent py-0.5 outline-none placeholder:text-muted-foreground"
        value={draft}
        placeholder={value.length ? '' : placeholder}
        onChange={(e) => {
          const v = e.target.value
          if (v.includes(',') || v.includes('\n')) add(v)
          else if (suggestions.includes(v) && (e.nativeEvent as InputEvent).inputType === 'insertReplacementText') add(v)
          else setDraft(v)
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault()
            add(draft)
          } else if (e.key === 'Backspace' && !draft && value.length) {
            onChange(value.slice(0, -1))
          }
        }}
        onBlur={() => add(draft)}
        onPaste={(e) => {
          const text = e.clipboardData.getData('text')
          if (/[,\n]/.test(text)) {
            e.preventDefault()
            add(text)
          }
        }}
      />
      {suggestions.length > 0 && (
        <datalist id={listId}>
          {suggestions.filter((s) => !value.includes(s)).slice(0, 500).map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
      )}
    </div>
  )
}

export const splitList = (s: string | null | undefined) => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean)
export const joinList = (v: string[]) => v.join(',')
