import { describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import DateField from './DateField.vue'
import { createAppI18n } from '../i18n'
import { chinaToday } from '../chinaTime'

function field(props: { modelValue: string; max?: string }) {
  return mount(DateField, {
    props: { label: '到达日期', testid: 'd', ...props },
    global: { plugins: [createAppI18n()] },
    attachTo: document.body,
  })
}

const key = (k: string) => window.dispatchEvent(new KeyboardEvent('keydown', { key: k }))

describe('DateField', () => {
  it('looks empty when empty, and its clear button empties it', async () => {
    const empty = field({ modelValue: '' })
    const value = empty.get('[data-testid="d"]')
    expect(value.text()).toBe('选择日期')
    expect(value.classes()).toContain('empty')
    expect(empty.find('[data-testid="d-clear"]').exists()).toBe(false)
    empty.unmount()

    const filled = field({ modelValue: '2026-11-30' })
    expect(filled.get('[data-testid="d"]').text()).toBe('2026-11-30')
    await filled.get('[data-testid="d-clear"]').trigger('click')
    expect(filled.emitted('update:modelValue')).toEqual([['']])
    filled.unmount()
  })

  it('shows 年/月/日 in Chinese and never goes past max', async () => {
    const w = field({ modelValue: '2026-11-30', max: '2026-12-01' })
    await w.get('[data-testid="d"]').trigger('click')
    await flushPromises()
    const texts = [...document.querySelectorAll('.van-picker-column__item')].map((e) => e.textContent)
    expect(texts).toContain('2026年')
    expect(texts).toContain('11月')
    expect(texts).toContain('30日')
    expect(texts).not.toContain('2027年')
    // The keyboard: on the month column ↓ would pass max (12月30日) and does nothing; ↑ goes
    // to 10月30日; Enter keeps it.
    key('ArrowLeft')
    key('ArrowDown')
    key('ArrowUp')
    await flushPromises()
    key('Enter')
    expect(w.emitted('update:modelValue')).toEqual([['2026-10-30']])
    w.unmount()
  })

  it('steps over a month end with the keyboard', async () => {
    const w = field({ modelValue: '2026-12-01', max: '2026-12-01' })
    await w.get('[data-testid="d"]').trigger('click')
    await flushPromises()
    key('ArrowUp')
    await flushPromises()
    key('Enter')
    expect(w.emitted('update:modelValue')).toEqual([['2026-11-30']])
    w.unmount()
  })

  it('offers China’s today in one tap', async () => {
    const w = field({ modelValue: '' })
    await w.get('[data-testid="d"]').trigger('click')
    await flushPromises()
    const todays = document.querySelectorAll('[data-testid="d-today"]')
    expect(todays.length).toBe(1)
    ;(todays[0] as HTMLElement).click()
    expect(w.emitted('update:modelValue')).toEqual([[chinaToday()]])
    w.unmount()
  })
})
