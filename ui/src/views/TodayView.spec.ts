import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'

const calls = vi.hoisted(() => ({ void: [] as unknown[][], voided: false }))

vi.mock('../ipc', async (original) => {
  const real = await original<typeof import('../ipc')>()
  const row = (over: object) => ({
    id: 'x1', direction: 'in', at: '2026-12-01T10:00:00Z', local_time: '18:00', local_date: '2026-12-01',
    person_id: 'p1', name: '张三', plate: null, celsius: 36.9, first_celsius: 38.5, fever: true, voided: false,
    reading_id: 'r1', checkpoint_id: 'k1', checkpoint_name: '东门', recorded_by: '王志愿', purpose: null, destination: null, ...over,
  })
  return {
    ...real,
    gateToday: async () => ({
      passages: [row({ voided: calls.voided }), row({ id: 'x2', name: '李四', celsius: 36.4, first_celsius: null, fever: false })],
      entries: 2, exits: 0, fevers: 1, inside: [],
    }),
    gateVoid: async (...args: unknown[]) => {
      calls.void.push(args)
      calls.voided = true
    },
  }
})

import TodayView from './TodayView.vue'
import { createAppI18n } from '../i18n'

async function mounted() {
  setActivePinia(createPinia())
  const wrapper = mount(TodayView, { global: { plugins: [createAppI18n()] }, attachTo: document.body })
  await flushPromises()
  return wrapper
}

const dialogOpen = () => [...document.querySelectorAll('.van-dialog')].some((d) => (d as HTMLElement).style.display !== 'none')

describe('今日', () => {
  it('shows a fever that was re-measured as both readings', async () => {
    const wrapper = await mounted()
    const temps = wrapper.findAll('[data-testid="today-temp"]').map((t) => t.text())
    expect(temps).toEqual(['38.5 → 复测 36.9 ℃', '36.4 ℃'])
    wrapper.unmount()
  })

  it('closes the void dialog on 取消 and on 确认, and voids the row', async () => {
    const wrapper = await mounted()
    await wrapper.findAll('.void')[0].trigger('click')
    await flushPromises()
    expect(dialogOpen()).toBe(true)
    // The dialog says which entry it voids.
    expect(document.querySelector('.van-dialog__header')?.textContent).toContain('作废 18:00 进 张三 的登记')
    ;(document.querySelector('.van-dialog__cancel') as HTMLElement).click()
    await flushPromises()
    await new Promise((r) => setTimeout(r, 400))
    expect(dialogOpen()).toBe(false)
    expect(calls.void).toEqual([])

    await wrapper.findAll('.void')[0].trigger('click')
    await flushPromises()
    const reason = document.querySelector('[data-testid="void-reason"] input') as HTMLInputElement
    reason.value = '登记错了'
    reason.dispatchEvent(new Event('input'))
    ;(document.querySelector('.van-dialog__confirm') as HTMLElement).click()
    await flushPromises()
    await new Promise((r) => setTimeout(r, 400))
    expect(calls.void).toEqual([['x1', '登记错了']])
    expect(dialogOpen()).toBe(false)
    expect(wrapper.findAll('[data-testid="today-row"]')[0].classes()).toContain('voided')
    wrapper.unmount()
  })
})
