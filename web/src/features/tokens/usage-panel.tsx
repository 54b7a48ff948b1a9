import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Tabs, TabsContent, TabsList, TabsTrigger } from '@/components/ui/tabs'
import { CopyButton } from '@/components/common/copy-button'
import { useServerAddress } from '@/lib/status'

export function usageSnippets(base: string, key: string, model = 'gpt-4o-mini') {
  return {
    curl: `curl ${base}/v1/chat/completions \\
  -H "Content-Type: application/json" \\
  -H "Authorization: Bearer ${key}" \\
  -d '{"model": "${model}", "messages": [{"role": "user", "content": "Hello"}]}'`,
    openai: `from openai import OpenAI

client = OpenAI(base_url="${base}/v1", api_key="${key}")
reply = client.chat.completions.create(
    model="${model}",
    messages=[{"role": "user", "content": "Hello"}],
)
print(reply.choices[0].message.content)`,
    anthropic: `import anthropic

client = anthropic.Anthropic(base_url="${base}", api_key="${key}")
reply = client.messages.create(
    model="claude-sonnet-4-5",
    max_tokens=1024,
    messages=[{"role": "user", "content": "Hello"}],
)
print(reply.content[0].text)`,
    google: `from google import genai
from google.genai import types

client = genai.Client(api_key="${key}", http_options=types.HttpOptions(base_url="${base}"))
reply = client.models.generate_content(model="gemini-2.5-flash", contents="Hello")
print(reply.text)`,
    claude_code: `export ANTHROPIC_BASE_URL="${base}"
export ANTHROPIC_AUTH_TOKEN="${key}"
claude`,
    codex: `# ~/.codex/config.toml
model_provider = "relaygate"
model = "gpt-5-codex"

[model_providers.relaygate]
name = "relaygate"
base_url = "${base}/v1"
env_key = "RELAYGATE_API_KEY"
wire_api = "responses"

# then, in your shell:
export RELAYGATE_API_KEY="${key}"
codex`,
    gemini_cli: `export GOOGLE_GEMINI_BASE_URL="${base}"
export GEMINI_API_KEY="${key}"
gemini`,
  }
}

const TABS: { id: keyof ReturnType<typeof usageSnippets>; label: string }[] = [
  { id: 'curl', label: 'curl' },
  { id: 'openai', label: 'OpenAI SDK' },
  { id: 'anthropic', label: 'Anthropic SDK' },
  { id: 'google', label: 'Google GenAI SDK' },
  { id: 'claude_code', label: 'Claude Code' },
  { id: 'codex', label: 'Codex' },
  { id: 'gemini_cli', label: 'Gemini CLI' },
]

/** "Use it with": copy-ready snippets with this site's address and the token's key. */
export function UsagePanel({ apiKey }: { apiKey: string }) {
  const { t } = useTranslation()
  const base = useServerAddress()
  const [tab, setTab] = useState<string>('curl')
  const snippets = usageSnippets(base, apiKey)
  return (
    <div data-testid="usage-panel">
      <p className="mb-2 text-sm text-muted-foreground">
        {t('Base URL')}: <code className="rounded bg-muted px-1 font-mono text-xs">{base}</code>
      </p>
      <Tabs value={tab} onValueChange={setTab}>
        <TabsList className="h-auto">
          {TABS.map((x) => (
            <TabsTrigger key={x.id} value={x.id}>
              {x.label}
            </TabsTrigger>
          ))}
        </TabsList>
        {TABS.map((x) => (
          <TabsContent key={x.id} value={x.id}>
            <div className="relative">
              <pre className="max-h-72 overflow-auto rounded-lg bg-muted p-3 pr-10 font-mono text-xs leading-relaxed">{snippets[x.id]}</pre>
              <CopyButton className="absolute right-2 top-2" text={snippets[x.id]} />
            </div>
          </TabsContent>
        ))}
      </Tabs>
    </div>
  )
}
