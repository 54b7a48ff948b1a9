import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Plus, Trash2 } from 'lucide-react'
import { Button } from '@/components/ui/button'
import { Input, Textarea } from '@/components/ui/input'
import { Tabs, TabsContent, TabsList, TabsTrigger } from '@/components/ui/tabs'
import { parseRatio, validateRatioTable } from '@/lib/validate'

/** A name → number table, edited as rows or as JSON; both views stay in sync and are validated. */
export function RatioEditor({ value, onSave, busy }: { value: string; onSave: (json: string) => void; busy?: boolean }) {
  const { t } = useTranslation()
  const initial = validateRatioTable(value)
  const [rows, setRows] = useState<{ name: string; value: string }[]>(
    Object.entries(initial.ok ? initial.value : {}).map(([name, v]) => ({ name, value: String(v) })),
  )
  const [text, setText] = useState(() => JSON.stringify(initial.ok ? initial.value : {}, null, 2))
  const [view, setView] = useState('table')
  const [filter, setFilter] = useState('')
  const textCheck = validateRatioTable(text)
  const rowsError = (() => {
    const seen = new Set<string>()
    for (const r of rows) {
      if (!r.name.trim()) return t('Names must not be empty')
      if (seen.has(r.name)) return t('Duplicate name: {{name}}', { name: r.name })
      seen.add(r.name)
      if (parseRatio(r.value) === null) return t('"{{name}}" must be a number ≥ 0', { name: r.name })
    }
    return null
  })()
  const rowsJson = () => JSON.stringify(Object.fromEntries(rows.map((r) => [r.name.trim(), Number(r.value)])), null, 2)
  const switchView = (v: string) => {
    if (v === 'json' && !rowsError) setText(rowsJson())
    if (v === 'table' && textCheck.ok) setRows(Object.entries(textCheck.value).map(([name, x]) => ({ name, value: String(x) })))
    setView(v)
  }
  const error = view === 'table' ? rowsError : textCheck.ok ? null : t(textCheck.error)
  const shown = rows.map((r, i) => ({ ...r, i })).filter((r) => !filter || r.name.toLowerCase().includes(filter.toLowerCase()))
  return (
    <div className="grid gap-3">
      <Tabs value={view} onValueChange={switchView}>
        <TabsList>
          <TabsTrigger value="table">{t('Table')}</TabsTrigger>
          <TabsTrigger value="json">JSON</TabsTrigger>
        </TabsList>
        <TabsContent value="table">
          <div className="mb-2 flex gap-2">
            <Input aria-label={t('Filter')} placeholder={t('Filter')} className="w-56" value={filter} onChange={(e) => setFilter(e.target.value)} />
            <Button variant="outline" onClick={() => setRows([{ name: '', value: '1' }, ...rows])}>
              <Plus /> {t('Add row')}
            </Button>
          </div>
          <div className="max-h-[420px] overflow-auto rounded-lg border">
            <table className="w-full text-sm">
              <thead className="sticky top-0 bg-muted">
                <tr>
                  <th className="px-3 py-2 text-left font-medium">{t('Name')}</th>
                  <th className="w-40 px-3 py-2 text-left font-medium">{t('Value')}</th>
                  <th className="w-12" />
                </tr>
              </thead>
              <tbody>
                {shown.map((r) => (
                  <tr key={r.i} className="border-t">
                    <td className="px-2 py-1">
                      <Input aria-label={t('Name')} className="h-8 font-mono text-xs" value={r.name} onChange={(e) => setRows(rows.map((x, j) => (j === r.i ? { ...x, name: e.target.value } : x)))} />
                    </td>
                    <td className="px-2 py-1">
                      <Input
                        aria-label={t('Value of {{name}}', { name: r.name })}
                        aria-invalid={parseRatio(r.value) === null}
                        className="h-8 font-mono text-xs"
                        inputMode="decimal"
                        value={r.value}
                        onChange={(e) => setRows(rows.map((x, j) => (j === r.i ? { ...x, value: e.target.value } : x)))}
                      />
                    </td>
                    <td className="px-1">
                      <Button variant="ghost" size="icon-sm" aria-label={t('Remove {{name}}', { name: r.name })} onClick={() => setRows(rows.filter((_, j) => j !== r.i))}>
                        <Trash2 />
                      </Button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </TabsContent>
        <TabsContent value="json">
          <Textarea aria-label="JSON" aria-invalid={!textCheck.ok} rows={16} className="font-mono text-xs" value={text} onChange={(e) => setText(e.target.value)} />
        </TabsContent>
      </Tabs>
      {error && <p className="text-sm text-destructive" role="alert">{error}</p>}
      <Button className="w-fit" disabled={!!error || busy} onClick={() => onSave(view === 'table' ? rowsJson() : JSON.stringify(JSON.parse(text), null, 2))}>
        {t('Save')}
      </Button>
    </div>
  )
}
