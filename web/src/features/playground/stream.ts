/** Read an OpenAI chat-completions SSE body: yields content deltas, returns at [DONE]. */
export async function* chatDeltas(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    buffer += decoder.decode(value, { stream: true })
    let cut: number
    while ((cut = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, cut).trim()
      buffer = buffer.slice(cut + 1)
      if (!line.startsWith('data:')) continue
      const data = line.slice(5).trim()
      if (data === '[DONE]') return
      try {
        const chunk = JSON.parse(data) as { choices?: { delta?: { content?: string; reasoning_content?: string } }[]; error?: { message?: string } }
        if (chunk.error) throw new Error(chunk.error.message || 'Upstream error')
        const delta = chunk.choices?.[0]?.delta
        if (delta?.content) yield delta.content
      } catch (e) {
        if (e instanceof SyntaxError) continue
        throw e
      }
    }
  }
}
