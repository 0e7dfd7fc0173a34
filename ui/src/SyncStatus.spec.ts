import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'

const calls = vi.hoisted(() => ({ register: [] as unknown[][], remeasure: [] as unknown[][], asked: [] as string[], retiredAt: null as string | null }))

vi.mock('vant', async (original) => {
  const real = await original<typeof import('vant')>()
  return {
    ...real,
    showConfirmDialog: async (o: { title: string }) => {
      calls.asked.push(o.title)
    },
  }
})

vi.mock('./ipc', async (original) => {
  const real = await original<typeof import('./ipc')>()
  return {
    ...real,
    appInfo: async () => ({ name: 'kadian', version: '0.1.0' }),
    deviceEnrolment: async () => ({
      server_url: 'http://127.0.0.1:8470', role: 'volunteer', street: '411402001',
      community: '411402001018', compound: 'c1', checkpoint: 'k1', place_name: '东门', reenrol_needed: false,
      place_retired_at: calls.retiredAt,
    }),
    syncStatus: async () => ({
      online: false, last_success: null, pending: 7, pending_entries: 3, rejected: 0, quarantined: 0, reenrol_needed: false,
      failures: [['offline', 2]], clock_skew_ms: null, syncing: false, received: 0,
    }),
    shiftCurrent: async () => ({ volunteer_id: 'v1', volunteer_name: '王志愿', checkpoint_id: 'k1', started_at: '2026-11-30T00:00:00Z' }),
    gateSearch: async () => [
      { id: 'p1', name: '张三', category: 'resident', id_masked: '4114**********1234', phone_masked: '138****8000', address: '3号楼', matched_by: 'id_number', last_passage: null },
      {
        id: 'p2', name: '李四', category: 'resident', id_masked: null, phone_masked: null, address: '', matched_by: 'name',
        last_passage: { direction: 'out', local_time: '18:20', local_date: '2026-12-01', today: true },
      },
    ],
    shiftPrevious: async () => null,
    shiftVolunteers: async () => [{ id: 'v1', name: '王志愿' }, { id: 'v2', name: '李志愿' }],
    // The core's reading of a typed temperature (kadian-domain's rules), for the values used here.
    gateCheckTemperature: async (typed: string) => {
      const note = (code: string) => [{ field: 'temperature_c', code, severity: 'warning', message: '', message_en: '' }]
      if (typed === '366') return { celsius: 36.6, fever: false, warnings: note('temperature_decimal_assumed') }
      if (typed === '100.4') return { celsius: 38.0, fever: true, warnings: note('temperature_fahrenheit') }
      if (typed === '3') {
        throw {
          code: 'invalid_input', field: 'temperature_c', notices: [],
          message: '体温 3.0 ℃ 不在 34.0–43.0 ℃ 之间，请重新测量', message_en: '3.0 °C is outside 34.0–43.0 °C; measure again',
        }
      }
      return { celsius: Number(typed), fever: Number(typed) >= 37.3, warnings: [] }
    },
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
    expect(wrapper.find('[data-testid="place-retired"]').exists()).toBe(false)
    wrapper.unmount()
  })

  it('says so when the street retired this checkpoint, and what to do', async () => {
    calls.retiredAt = '2026-12-06 16:50'
    try {
      const wrapper = await mountApp()
      const banner = wrapper.get('[data-testid="place-retired"]').text()
      expect(banner).toContain('街道已于 2026-12-06 16:50 停用「东门」')
      expect(banner).toContain('请联系街道')
      wrapper.unmount()
    } finally {
      calls.retiredAt = null
    }
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
    // The fever stays on screen beside its re-measure.
    expect(wrapper.get('[data-testid="fever-value"]').text()).toMatch(/38\.2 ℃ → 复测 36\.8 ℃/)
    // A second re-measure: 完成 stays on screen while the pad is open.
    await wrapper.get('[data-testid="remeasure"]').trigger('click')
    expect(wrapper.find('[data-testid="temperature-pad"]').exists()).toBe(true)
    await wrapper.get('[data-testid="fever-done"]').trigger('click')
    expect(wrapper.find('[data-testid="fever-screen"]').exists()).toBe(false)
    wrapper.unmount()
  })

  async function choose(wrapper: Awaited<ReturnType<typeof mountApp>>, name: string, dir: 'in' | 'out') {
    const search = wrapper.get('[data-testid="gate-search"]')
    await search.setValue('1234')
    await search.trigger('input')
    await flushPromises()
    await wrapper.get(`[data-testid="person-${name}"]`).trigger('click')
    await wrapper.get(`[data-testid="dir-${dir}"]`).trigger('click')
    await flushPromises()
  }

  it('asks before reading 366 as 36.6 ℃ and sends what the volunteer confirmed', async () => {
    calls.register.length = 0
    const wrapper = await mountApp()
    await choose(wrapper, '张三', 'in')
    await keypad('366')
    await wrapper.get('[data-testid="temperature-save"]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid="temperature-ask"]').text()).toContain('366 → 36.6 ℃？')
    expect(calls.register).toEqual([])
    await wrapper.get('[data-testid="temperature-confirm"]').trigger('click')
    await flushPromises()
    expect(calls.register[0]).toEqual(['p1', 'in', '36.6', null])
    wrapper.unmount()
  })

  it('asks before reading 100.4 as °F, and 重新输入 clears it', async () => {
    calls.register.length = 0
    const wrapper = await mountApp()
    await choose(wrapper, '张三', 'in')
    await keypad('100.4')
    await wrapper.get('[data-testid="temperature-save"]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid="temperature-ask"]').text()).toContain('100.4 °F → 38.0 ℃？')
    // While it asks, the display shows what was typed, not as °C.
    expect(wrapper.get('[data-testid="temperature-value"]').text()).toBe('100.4')
    await wrapper.get('[data-testid="temperature-retype"]').trigger('click')
    expect(wrapper.get('[data-testid="temperature-value"]').text()).toBe('— ℃')
    expect(calls.register).toEqual([])
    wrapper.unmount()
  })

  it('shows a wrong temperature at the pad, above the keypad, and stores nothing', async () => {
    calls.register.length = 0
    const wrapper = await mountApp()
    await choose(wrapper, '张三', 'in')
    await keypad('3')
    await wrapper.get('[data-testid="temperature-save"]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid="temperature-error"]').text()).toContain('不在 34.0–43.0 ℃ 之间')
    // In the pad's own flow, before the keypad: never hidden behind it.
    const pad = wrapper.get('[data-testid="temperature-pad"]').element
    const error = wrapper.get('[data-testid="temperature-error"]').element
    const keys = pad.querySelector('.van-number-keyboard')!
    expect(error.compareDocumentPosition(keys) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy()
    expect(calls.register).toEqual([])
    wrapper.unmount()
  })

  it('says who is already out and asks before a second 出 in a row', async () => {
    calls.asked.length = 0
    const wrapper = await mountApp()
    await choose(wrapper, '李四', 'out')
    expect(wrapper.get('[data-testid="chosen-last"]').text()).toBe('上次：出 18:20')
    expect(calls.asked).toEqual(['已经是“出”了'])
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
    const search = wrapper.get('[data-testid="gate-search"]')
    await search.setValue('张')
    await vi.advanceTimersByTimeAsync(5 * 60 * 1000 + 5000)
    // Locked: the gate is hidden behind the PIN screen, as it was (what was typed waits).
    expect(search.isVisible()).toBe(false)
    expect((search.element as HTMLInputElement).value).toBe('张')
    expect(wrapper.text()).toContain('屏幕已锁定')
    // The volunteer on duty is asked for the PIN; someone else can take over from the lock.
    expect(wrapper.text()).toContain('王志愿')
    await wrapper.get('[data-testid="sign-in-other"]').trigger('click')
    expect(wrapper.find('[data-testid="volunteer-李志愿"]').exists()).toBe(true)
    expect(wrapper.get('[data-testid="sign-in-switch-hint"]').text()).toContain('结束 王志愿 的班次')
    wrapper.unmount()
  })
})
