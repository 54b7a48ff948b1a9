/** new-api channel types (id → label), in the order its console lists them. */
export const CHANNEL_TYPES: { value: number; label: string }[] = [
  { value: 1, label: 'OpenAI' },
  { value: 2, label: 'Midjourney Proxy' },
  { value: 5, label: 'Midjourney Proxy Plus' },
  { value: 36, label: 'Suno API' },
  { value: 4, label: 'Ollama' },
  { value: 14, label: 'Anthropic Claude' },
  { value: 33, label: 'AWS Claude' },
  { value: 41, label: 'Vertex AI' },
  { value: 3, label: 'Azure OpenAI' },
  { value: 34, label: 'Cohere' },
  { value: 39, label: 'Cloudflare' },
  { value: 43, label: 'DeepSeek' },
  { value: 15, label: 'Baidu Wenxin Qianfan' },
  { value: 46, label: 'Baidu Wenxin Qianfan V2' },
  { value: 17, label: 'Alibaba Tongyi Qianwen' },
  { value: 18, label: 'iFlytek Spark' },
  { value: 16, label: 'Zhipu ChatGLM (deprecated)' },
  { value: 26, label: 'Zhipu GLM-4V' },
  { value: 27, label: 'Perplexity' },
  { value: 24, label: 'Google Gemini' },
  { value: 11, label: 'Google PaLM2' },
  { value: 47, label: 'Xinference' },
  { value: 25, label: 'Moonshot' },
  { value: 20, label: 'OpenRouter' },
  { value: 19, label: '360 AI Brain' },
  { value: 23, label: 'Tencent Hunyuan' },
  { value: 31, label: '01.AI' },
  { value: 35, label: 'MiniMax' },
  { value: 37, label: 'Dify' },
  { value: 38, label: 'Jina' },
  { value: 40, label: 'SiliconCloud' },
  { value: 42, label: 'Mistral AI' },
  { value: 8, label: 'Custom channel' },
  { value: 22, label: 'Knowledge base: FastGPT' },
  { value: 21, label: 'Knowledge base: AI Proxy' },
  { value: 44, label: 'Embeddings: MokaAI M3E' },
  { value: 45, label: 'Volcengine Ark / Doubao' },
  { value: 48, label: 'xAI' },
  { value: 49, label: 'Coze' },
  { value: 50, label: 'Kling' },
  { value: 51, label: 'Jimeng' },
  { value: 52, label: 'Vidu' },
  { value: 53, label: 'SubModel' },
  { value: 54, label: 'Doubao Video' },
  { value: 55, label: 'Sora' },
  { value: 56, label: 'Replicate' },
  { value: 57, label: 'Codex (OpenAI OAuth)' },
]

export const channelTypeLabel = (type: number) => CHANNEL_TYPES.find((c) => c.value === type)?.label ?? `#${type}`

/** Types whose upstream lists its models (new-api MODEL_FETCHABLE_CHANNEL_TYPES). */
export const MODEL_FETCHABLE = new Set([1, 4, 14, 34, 17, 26, 27, 24, 47, 25, 20, 23, 31, 40, 42, 48, 43])

/** Default base URLs new-api shows as placeholders. */
export const BASE_URL_HINT: Record<number, string> = {
  1: 'https://api.openai.com',
  3: 'https://{resource}.openai.azure.com',
  4: 'http://localhost:11434',
  14: 'https://api.anthropic.com',
  24: 'https://generativelanguage.googleapis.com',
  43: 'https://api.deepseek.com',
  20: 'https://openrouter.ai/api',
  8: 'https://your-upstream.example.com',
}

export const KEY_HINT: Record<number, string> = {
  3: 'API key (Azure: the resource key)',
  33: 'AccessKey|SecretAccessKey|Region',
  41: 'Service account JSON (one per line for batch)',
  15: 'APIKey|SecretKey',
  18: 'APPID|APISecret|APIKey',
}

export const CHANNEL_STATUS: Record<number, { label: string; variant: 'success' | 'secondary' | 'destructive' | 'warning' }> = {
  1: { label: 'Enabled', variant: 'success' },
  2: { label: 'Disabled', variant: 'secondary' },
  3: { label: 'Auto-disabled', variant: 'destructive' },
}
