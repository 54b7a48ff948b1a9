/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from 'vite'
import react from '@vitejs/plugin-react'
import tailwindcss from '@tailwindcss/vite'
import { fileURLToPath, URL } from 'node:url'
import { gzipSync } from 'node:zlib'

// Write a .gz next to every text asset so the gateway (console.py) serves it without compressing per request.
function precompress(): Plugin {
  return {
    name: 'relaygate-precompress',
    apply: 'build',
    generateBundle(_options, bundle) {
      for (const [name, item] of Object.entries(bundle)) {
        if (!/\.(js|css|html|svg|json)$/.test(name)) continue
        const source = item.type === 'chunk' ? item.code : item.source
        const data = typeof source === 'string' ? Buffer.from(source) : Buffer.from(source)
        if (data.length < 1024) continue
        this.emitFile({ type: 'asset', fileName: `${name}.gz`, source: gzipSync(data, { level: 9 }) })
      }
    },
  }
}

export default defineConfig({
  plugins: [react(), tailwindcss(), precompress()],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:3000',
      '/v1': 'http://127.0.0.1:3000',
      '/pg': 'http://127.0.0.1:3000',
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 700,
    rollupOptions: {
      output: {
        manualChunks(id) {
          if (!id.includes('node_modules')) return undefined
          if (/[\\/](recharts|d3-[^\\/]+|victory-vendor|internmap|decimal\.js-light|es-toolkit)[\\/]/.test(id)) return 'charts'
          if (/[\\/](react-markdown|remark-[^\\/]+|rehype-[^\\/]+|mdast-[^\\/]+|micromark[^\\/]*|unified|hast-[^\\/]+|unist-[^\\/]+|vfile[^\\/]*|property-information|space-separated-tokens|comma-separated-tokens|decode-named-character-reference|character-entities[^\\/]*|trim-lines|bail|trough|devlop|zwitch|longest-streak|ccount|markdown-table|escape-string-regexp|html-url-attributes|style-to-[^\\/]+|inline-style-parser|estree-[^\\/]+|is-plain-obj)[\\/]/.test(id)) return 'markdown'
          return undefined
        },
      },
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
})
