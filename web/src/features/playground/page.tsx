import { lazy, Suspense, useEffect, useRef, useState } from 'react'
import { useQuery } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { toast } from 'sonner'
import { Bot, Eraser, Send, Square, User } from 'lucide-react'
import { api, apiFetch } from '@/api/client'
import { Button } from '@/components/ui/button'
import { Card, CardContent } from '@/components/ui/card'
import { Input, Textarea } from '@/components/ui/input'
import { Select } from '@/components/ui/select'
import { CopyButton } from '@/components/common/copy-button'
import { EmptyState, Field, PageHeader } from '@/components/common/empty'
import { chatDeltas } from './stream'

const RenderMarkdown = lazy(() => import('./markdown'))

interface Message {
  role: 'user' | 'assistant'
  content: string
}

export default function PlaygroundPage() {
  const { t } = useTranslation()
  const models = useQuery({ queryKey: ['user-models'], queryFn: () => api.get<string[]>('/api/user/models'), meta: { silent: true }, retry: false })
  const groups = useQuery({ queryKey: ['self-groups'], queryFn: () => api.get<Record<string, { desc?: string }>>('/api/user/self/groups'), meta: { silent: true }, retry: false })
  const [model, setModel] = useState('')
  const [group, setGroup] = useState('')
  const [system, setSystem] = useState('')
  const [temperature, setTemperature] = useState('0.7')
  const [messages, setMessages] = useState<Message[]>([])
  const [input, setInput] = useState('')
  const [abort, setAbort] = useState<AbortController | null>(null)
  const bottom = useRef<HTMLDivElement>(null)
  useEffect(() => {
    if (!model && models.data?.length) setModel(models.data[0])
  }, [models.data, model])
  useEffect(() => bottom.current?.scrollIntoView({ block: 'end' }), [messages])

  const send = async () => {
    const text = input.trim()
    if (!text || !model || abort) return
    const history: Message[] = [...messages, { role: 'user', content: text }]
    setMessages([...history, { role: 'assistant', content: '' }])
    setInput('')
    const controller = new AbortController()
    setAbort(controller)
    try {
      const res = await apiFetch('/pg/chat/completions', {
        method: 'POST',
        signal: controller.signal,
        body: JSON.stringify({
          model,
          group: group || undefined,
          stream: true,
          temperature: Number(temperature),
          messages: [...(system.trim() ? [{ role: 'system', content: system.trim() }] : []), ...history],
        }),
      })
      if (!res.ok || !res.body) {
        const body = await res.json().catch(() => null)
        throw new Error(body?.error?.message || body?.message || `HTTP ${res.status}`)
      }
      let answer = ''
      for await (const delta of chatDeltas(res.body)) {
        answer += delta
        setMessages([...history, { role: 'assistant', content: answer }])
      }
    } catch (e) {
      if ((e as Error).name !== 'AbortError') {
        toast.error(t((e as Error).message))
        setMessages((m) => (m[m.length - 1]?.content === '' ? m.slice(0, -1) : m))
      }
    } finally {
      setAbort(null)
    }
  }
  const modelOptions = (models.data ?? []).map((m) => ({ value: m, label: m }))
  return (
    <div className="flex h-[calc(100vh-7rem)] flex-col">
      <PageHeader title={t('Playground')} description={t('Chat with any model your account can use; calls are billed like API calls.')} />
      <div className="grid min-h-0 flex-1 gap-4 lg:grid-cols-[280px_1fr]">
        <Card className="h-fit">
          <CardContent className="grid gap-3 p-4">
            <Field label={t('Model')} htmlFor="pg-model">
              {modelOptions.length ? (
                <Select id="pg-model" value={model} onValueChange={setModel} options={modelOptions} />
              ) : (
                <Input id="pg-model" value={model} onChange={(e) => setModel(e.target.value)} placeholder="gpt-4o-mini" />
              )}
            </Field>
            <Field label={t('Group')} htmlFor="pg-group">
              <Select
                id="pg-group"
                value={group}
                onValueChange={setGroup}
                options={[{ value: '', label: t('Account group') }, ...Object.keys(groups.data ?? {}).map((g) => ({ value: g, label: g }))]}
              />
            </Field>
            <Field label={t('Temperature')} htmlFor="pg-temp">
              <Input id="pg-temp" type="number" step="0.1" min={0} max={2} value={temperature} onChange={(e) => setTemperature(e.target.value)} />
            </Field>
            <Field label={t('System prompt')} htmlFor="pg-system">
              <Textarea id="pg-system" rows={4} value={system} onChange={(e) => setSystem(e.target.value)} />
            </Field>
            <Button variant="outline" onClick={() => setMessages([])} disabled={!!abort}>
              <Eraser /> {t('Clear chat')}
            </Button>
          </CardContent>
        </Card>
        <Card className="flex min-h-0 flex-col">
          <div className="min-h-0 flex-1 overflow-y-auto p-4" aria-live="polite" data-testid="pg-messages">
            {messages.length === 0 ? (
              <EmptyState title={t('Start a conversation')} hint={t('Messages are sent through /pg/chat/completions with your session.')} />
            ) : (
              <div className="grid gap-4">
                {messages.map((m, i) => (
                  <div key={i} className={m.role === 'user' ? 'flex justify-end' : 'flex'}>
                    <div className={`flex max-w-[85%] gap-2 ${m.role === 'user' ? 'flex-row-reverse' : ''}`}>
                      <div className="mt-1 flex size-7 shrink-0 items-center justify-center rounded-full bg-muted">
                        {m.role === 'user' ? <User className="size-4" /> : <Bot className="size-4" />}
                      </div>
                      <div className={`group relative rounded-xl px-3 py-2 ${m.role === 'user' ? 'bg-primary text-primary-foreground' : 'bg-muted/60'}`}>
                        {m.role === 'user' ? (
                          <p className="whitespace-pre-wrap text-sm">{m.content}</p>
                        ) : m.content ? (
                          <Suspense fallback={<p className="whitespace-pre-wrap text-sm">{m.content}</p>}>
                            <RenderMarkdown text={m.content} />
                          </Suspense>
                        ) : (
                          <span className="inline-block animate-pulse text-sm">▍</span>
                        )}
                        {m.role === 'assistant' && m.content && <CopyButton className="absolute -right-9 top-0 opacity-0 group-hover:opacity-100 focus:opacity-100" text={m.content} />}
                      </div>
                    </div>
                  </div>
                ))}
                <div ref={bottom} />
              </div>
            )}
          </div>
          <form
            className="flex gap-2 border-t p-3"
            onSubmit={(e) => {
              e.preventDefault()
              void send()
            }}
          >
            <Textarea
              aria-label={t('Message')}
              placeholder={t('Type a message; Enter sends, Shift+Enter adds a line')}
              rows={2}
              className="min-h-0 resize-none"
              value={input}
              onChange={(e) => setInput(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
                  e.preventDefault()
                  void send()
                }
              }}
            />
            {abort ? (
              <Button variant="outline" onClick={() => abort.abort()} aria-label={t('Stop')}>
                <Square />
              </Button>
            ) : (
              <Button type="submit" disabled={!input.trim() || !model} aria-label={t('Send')}>
                <Send />
              </Button>
            )}
          </form>
        </Card>
      </div>
    </div>
  )
}
