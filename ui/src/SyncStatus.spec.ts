import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'

const calls = vi.hoisted(() => ({ register: [] as unknown[][], remeasure: [] as unknown[][] }))

vi.mock('./ipc', async (original) => {
  const real = await original<typeof import('./ipc')>()
  return {
    ...real,
    appInfo: async () => ({ name: 'kadian', version: '0.1.0' }),
    deviceEnrolment: async () => ({
      server_url: 'http://127.0.0.1:8470', role: 'volunteer', street: '411402001',
      community: '411402001018', compound: 'c1', checkpoint: 'k1', place_name: '东门', reenrol_needed: false,
    }),
    syncStatus: async () => ({
      online: false, last_success: null, pending: 3, rejected: 0, quarantined: 0, reenrol_needed: false,
      failures: [['offline', 2]], clock_skew_ms: null, syncing: false, received: 0,
    }),
    shiftCurrent: async () => ({ volunteer_id: 'v1', volunteer_name: '王志愿', checkpoint_id: 'k1', started_at: '2026-11-30T00:00:00Z' }),
    gateSearch: async () => [
      { id: 'p1', name: '张三', category: 'resident', id_masked: '4114**********1234', phone_masked: '138****8000', address: '3号楼', matched_by: 'id_number' },
    ],
    gateRegister: async (...args: unknown[]) => {
      calls.register.push(args)
      return {
        passage_id: 'x1', person_id: 'p1', name: '张三', direction: 'in', travel_id: null, warnings: [],
        reading: { reading_id: 'r1', celsius: 38.2, fever: true, warnings: [] },
      }
    },
    gateRemeasure: async (...args: unknown[]) => {
      calls.remeasure.push(args)
      return { reading_id: 'r2', celsius: 36.8, fever: false, warnings: [] }
    },
  }
})

import App from './App.vue'
import { createAppI18n } from './i18n'

async function mountApp() {
  const pinia = createPinia()
  setActivePinia(pinia)
  const wrapper = mount(App, { global: { plugins: [pinia, createAppI18n()] }, attachTo: document.body })
  await flushPromises()
  return wrapper
}

/** Types on Vant's number keyboard. */
async function keypad(text: string) {
  for (const ch of text) {
    const key = [...document.querySelectorAll('.van-key')].find((k) => k.textContent?.trim() === ch)
    for (const type of ['touchstart', 'touchend']) {
      const ev = new Event(type, { bubbles: true, cancelable: true })
      Object.assign(ev, { touches: [{ clientX: 0, clientY: 0 }] })
      key?.dispatchEvent(ev)
    }
    await flushPromises()
  }
}

describe('the gate', () => {
  it('shows where the device is and what waits to sync, in Chinese', async () => {
    const wrapper = await mountApp()
    expect(wrapper.get('[data-testid="enrol-status"]').text()).toContain('已注册：东门')
    expect(wrapper.get('[data-testid="enrol-status"]').text()).toContain('王志愿')
    const sync = wrapper.get('[data-testid="sync-status"]')
    expect(sync.text()).toContain('离线')
    expect(sync.text()).toContain('待同步 3 条')
    expect(sync.text()).toContain('尚未同步')
    wrapper.unmount()
  })

  it('registers a known resident in three taps, turns red on a fever and keeps the first reading', async () => {
    const wrapper = await mountApp()
    const search = wrapper.get('[data-testid="gate-search"]')
    await search.setValue('1234')
    await search.trigger('input')
    await flushPromises()
    const person = wrapper.get('[data-testid="person-张三"]')
    expect(person.text()).toContain('4114**********1234')
    await person.trigger('click') // tap 1
    await wrapper.get('[data-testid="dir-in"]').trigger('click') // tap 2
    await keypad('38.2')
    expect(wrapper.get('[data-testid="temperature-value"]').text()).toContain('38.2')
    await wrapper.get('[data-testid="temperature-save"]').trigger('click') // tap 3
    await flushPromises()
    expect(calls.register[0]).toEqual(['p1', 'in', '38.2', null])
    const fever = wrapper.get('[data-testid="fever-screen"]')
    expect(fever.text()).toContain('体温异常')
    expect(fever.text()).toContain('38.2')
    await wrapper.get('[data-testid="remeasure"]').trigger('click')
    await keypad('36.8')
    await wrapper.findAll('[data-testid="temperature-save"]').at(-1)!.trigger('click')
    await flushPromises()
    expect(calls.remeasure[0]).toEqual(['r1', '36.8'])
    expect(wrapper.get('[data-testid="remeasure-result"]').text()).toContain('复测 36.8')
    wrapper.unmount()
  })

  afterEach(() => {
    vi.useRealTimers()
  })

  it('locks the gate after five idle minutes and asks for the PIN', async () => {
    vi.useFakeTimers()
    const pinia = createPinia()
    setActivePinia(pinia)
    const wrapper = mount(App, { global: { plugins: [pinia, createAppI18n()] }, attachTo: document.body })
    await vi.advanceTimersByTimeAsync(100)
    expect(wrapper.find('[data-testid="gate-search"]').exists()).toBe(true)
    await vi.advanceTimersByTimeAsync(4 * 60 * 1000)
    expect(wrapper.find('[data-testid="gate-search"]').exists()).toBe(true)
    await vi.advanceTimersByTimeAsync(60 * 1000 + 5000)
    expect(wrapper.find('[data-testid="gate-search"]').exists()).toBe(false)
    expect(wrapper.text()).toContain('屏幕已锁定')
    wrapper.unmount()
  })
})
