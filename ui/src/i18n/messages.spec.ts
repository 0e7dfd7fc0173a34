import { describe, expect, it } from 'vitest'
import zhCN from './zh-CN'
import en from './en'

function keyPaths(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object') return [prefix]
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
    keyPaths(v, prefix ? `${prefix}.${k}` : k),
  )
}

describe('i18n messages', () => {
  it('zh-CN and en have exactly the same keys', () => {
    expect(keyPaths(en).sort()).toEqual(keyPaths(zhCN).sort())
  })

  it('has no empty messages', () => {
    for (const messages of [zhCN, en]) {
      const flat = keyPaths(messages)
      expect(flat.length).toBeGreaterThan(0)
      for (const path of flat) {
        const text = path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], messages)
        expect(typeof text, path).toBe('string')
        expect((text as string).trim(), path).not.toBe('')
      }
    }
  })
})
