import { describe, expect, it } from 'vitest'
// @ts-expect-error: a plain .mjs helper shared with the CLI
import { collectKeys } from '../../scripts/i18n-keys.mjs'
import zh from './zh'

// Names that read the same in both languages.
const SAME = /^(OpenAI|Ollama|Cohere|Cloudflare|DeepSeek|Perplexity|Xinference|Moonshot|OpenRouter|MiniMax|Dify|Jina|SiliconCloud|Mistral AI|xAI|Coze|Vidu|SubModel|Sora|Replicate|Codex.*|Midjourney.*|Suno API|GitHub|Discord|OIDC|LinuxDO|Telegram|Webhook|curl|.*SDK|Claude Code|Gemini CLI|English|简体中文|\{.*\})$/

describe('zh translations', () => {
  it('cover every English source string', () => {
    const keys: string[] = collectKeys(new URL('..', import.meta.url).pathname)
    expect(keys.length).toBeGreaterThan(300)
    const missing = keys.filter((k) => !SAME.test(k) && !(k in zh))
    expect(missing).toEqual([])
  })
})
