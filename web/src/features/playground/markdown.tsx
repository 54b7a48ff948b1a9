import Markdown from 'react-markdown'
import remarkGfm from 'remark-gfm'

export default function RenderMarkdown({ text }: { text: string }) {
  return (
    <div className="markdown text-sm leading-relaxed">
      <Markdown remarkPlugins={[remarkGfm]}>{text}</Markdown>
    </div>
  )
}
