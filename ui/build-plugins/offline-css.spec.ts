// @vitest-environment node
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { stripRemoteCssUrls } from './offline-css'

const require = createRequire(import.meta.url)

describe('offline Vant CSS', () => {
  it('removes the remote icon-font fallback but keeps the embedded font', () => {
    const css = readFileSync(require.resolve('vant/lib/index.css'), 'utf8')
    expect(css).toMatch(/url\(\/\//) // guard: the upstream fallback is still there to strip
    const out = stripRemoteCssUrls(css)
    expect(out).not.toMatch(/url\((?:https?:)?\/\//)
    expect(out).toContain('url(data:font/woff2')
  })
})
