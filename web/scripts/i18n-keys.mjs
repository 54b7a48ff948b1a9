// List the English source strings the console translates: static t('…') calls plus the labels
// that reach t() through data (nav, option fields, channel types, statuses). Used by i18n.test.ts.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) walk(p, out)
    else if (/\.tsx?$/.test(name) && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) out.push(p)
  }
  return out
}

export function collectKeys(src) {
  const keys = new Set()
  for (const file of walk(src)) {
    const text = readFileSync(file, 'utf8')
    for (const m of text.matchAll(/\bt\(\s*(['"])((?:\\.|(?!\1).)+)\1/g)) keys.add(m[2].replace(/\\'/g, "'").replace(/\\"/g, '"'))
    // Data labels: label: '…' / hint: '…' / message: '…' (zod) in objects passed to t() later.
    for (const m of text.matchAll(/\b(?:label|hint|message):\s*'((?:\\.|[^'])+)'/g)) keys.add(m[1].replace(/\\'/g, "'"))
    for (const m of text.matchAll(/\.(?:min|max|refine)\([^)]*?'((?:\\.|[^'])+)'\)/g)) keys.add(m[1].replace(/\\'/g, "'"))
  }
  return [...keys].sort()
}

if (process.argv[1] && process.argv[1].endsWith('i18n-keys.mjs')) {
  console.log(collectKeys(new URL('../src', import.meta.url).pathname).join('\n'))
}
