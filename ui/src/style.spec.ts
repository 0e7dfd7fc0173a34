import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'

// WCAG 2.x relative luminance and contrast ratio.
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
  const lin = (c: number) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
}
const contrast = (a: string, b: string) => {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p)
  return (x + 0.05) / (y + 0.05)
}

// Vitest runs from the ui/ folder.
const css = readFileSync(resolve(process.cwd(), 'src/style.css'), 'utf8')
const value = (name: string) => css.match(new RegExp(`${name}:\\s*(#[0-9a-fA-F]{6})`))?.[1] ?? ''

describe('colours read at night', () => {
  it('gives white labels on warning and danger buttons at least 4.5:1, and placeholders on white', () => {
    for (const v of ['--van-button-warning-background', '--van-button-danger-background']) {
      expect(contrast(value(v), '#ffffff'), v).toBeGreaterThanOrEqual(4.5)
    }
    expect(contrast(value('--van-field-placeholder-text-color'), '#ffffff')).toBeGreaterThanOrEqual(4.5)
  })

  it('gives small buttons labels of 16 px', () => {
    expect(css).toMatch(/--van-button-small-font-size:\s*16px/)
  })
})
