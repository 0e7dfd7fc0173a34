import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'

const calls = vi.hoisted(() => ({ visits: [] as unknown[], opened: [] as unknown[], released: 0, releasedIds: [] as string[], today: null as unknown, changes: [] as unknown[][] }))

const entry = (over: object) => ({
  case_id: 'c1', person_id: 'p1', origin_id: 'd1', name: '张三', address: '3号楼1单元301', compound_name: '八一新苑',
  reason: 'returnee_elsewhere', status: 'open', day: 5, days: 14, end: '2026-12-15', today: 'due', missed_in_a_row: 0,
  last_celsius: 36.4, responsible: '李红梅', group: 'due', ...over,
})

vi.mock('../ipc', async (original) => {
  const real = await original<typeof import('../ipc')>()
  return {
    ...real,
    observationToday: async () => calls.today ?? ({
      date: '2026-12-06', due: 2, done: 0, unwell: 1, synced_through: '2026-12-05',
      entries: [
        entry({ case_id: 'c2', name: '李四', group: 'unwell', last_celsius: 38.1 }),
        entry({ missed_in_a_row: 2, group: 'missed_yesterday' }),
      ],
    }),
    reviewReturnees: async () => [
      { id: 'd1', person_id: 'p1', name: '张三', places: ['湖北省武汉市'], to_date: '2026-12-01' },
      { id: 'd9', person_id: 'p9', name: '王五', places: ['广东省深圳市'], to_date: '2026-12-05' },
    ],
    // The gate's rules: 366 and 36.66 are read as something else (asked about), 12 is refused.
    gateCheckTemperature: async (typed: string) => {
      if (typed === '12') {
        throw { code: 'temperature_out_of_range', field: 'temperature_c', message: '体温应在 34.0–43.0 ℃ 之间', message_en: 'A temperature is between 34.0 and 43.0 °C', notices: [] }
      }
      const read: Record<string, number> = { '366': 36.6, '36.66': 36.7 }
      const warnings = typed in read ? [{ field: 'temperature_c', code: 'temperature_decimal_assumed', severity: 'warning', message: '', message_en: '' }] : []
      return { celsius: read[typed] ?? Number(typed), fever: false, warnings }
    },
    observationVisit: async (input: { celsius: number | null }) => {
      calls.visits.push(input)
      return entry({ group: 'done' })
    },
    observationReleaseDue: async (ids: string[]) => {
      calls.released += 1
      calls.releasedIds = ids
      return ['张三', '李四']
    },
    observationTransition: async (...args: unknown[]) => {
      calls.changes.push(args)
      return entry({ status: 'lost' })
    },
    observationOpen: async (input: unknown) => {
      calls.opened.push(input)
      return entry({})
    },
  }
})

import ObservationView from './ObservationView.vue'
import { createAppI18n } from '../i18n'

async function mounted() {
  setActivePinia(createPinia())
  const wrapper = mount(ObservationView, { global: { plugins: [createAppI18n()] }, attachTo: document.body })
  await flushPromises()
  return wrapper
}

describe('今日随访', () => {
  it('lists the day in the order computed, with the day of the period and the runs of missed days', async () => {
    const w = await mounted()
    expect(w.get('[data-testid="observation-summary"]').text()).toContain('待访 2 人')
    const rows = w.findAll('tbody tr')
    expect(rows[0].text()).toContain('李四')
    expect(rows[0].classes()).toContain('group-unwell')
    expect(rows[1].text()).toContain('第 5/14 天')
    expect(rows[1].text()).toContain('连续漏访 2 天')
    w.unmount()
  })

  it('records a visit in one step with the temperature as typed, and shows a refusal at the field', async () => {
    const w = await mounted()
    await w.findAll('[data-testid="observation-seen"]')[0].trigger('click')
    await w.get('[data-testid="observation-celsius"]').setValue('36.5')
    await w.get('form.visit').trigger('submit')
    await flushPromises()
    expect(calls.visits.at(-1)).toMatchObject({ case_id: 'c2', outcome: 'seen_well', celsius: 36.5 })
    const before = calls.visits.length
    await w.findAll('[data-testid="observation-seen"]')[0].trigger('click')
    await w.get('[data-testid="observation-celsius"]').setValue('12')
    await w.get('form.visit').trigger('submit')
    await flushPromises()
    expect(calls.visits.length).toBe(before)
    expect(w.get('[data-testid="observation-error"]').text()).toContain('34.0–43.0')
    w.unmount()
  })

  it('asks as the gate does before storing a reading read as another (36.66 → 36.7, 366 → 36.6)', async () => {
    const w = await mounted()
    for (const [typed, stored] of [['36.66', 36.7], ['366', 36.6]] as const) {
      const before = calls.visits.length
      await w.findAll('[data-testid="observation-seen"]')[0].trigger('click')
      await w.get('[data-testid="observation-celsius"]').setValue(typed)
      await w.get('form.visit').trigger('submit')
      await flushPromises()
      expect(document.body.textContent).toContain(`${typed} → ${stored.toFixed(1)} ℃？`)
      expect(calls.visits.length, 'nothing stored before the answer').toBe(before)
      ;(document.querySelector('.van-dialog__confirm') as HTMLElement).click()
      await flushPromises()
      expect(calls.visits.at(-1)).toMatchObject({ celsius: stored })
    }
    w.unmount()
  })

  it('releases the day\'s cases due for release in one step, after saying who', async () => {
    calls.today = {
      date: '2026-12-06', due: 0, done: 2, unwell: 0, synced_through: '2026-12-05',
      entries: [entry({ group: 'release_today' }), entry({ case_id: 'c2', name: '李四', group: 'release_today' })],
    }
    const w = await mounted()
    await w.get('[data-testid="observation-release-all"]').trigger('click')
    await flushPromises()
    expect(document.body.textContent).toContain('张三、李四')
    expect(calls.released).toBe(0)
    ;(document.querySelector('.van-dialog__confirm') as HTMLElement).click()
    await flushPromises()
    expect(calls.released).toBe(1)
    expect(calls.releasedIds).toEqual(['c1', 'c2'])
    calls.today = null
    w.unmount()
  })

  it('offers the lost-to-follow-up decision after 3 days missed in a row, only after asking', async () => {
    calls.today = {
      date: '2026-12-06', due: 2, done: 0, unwell: 0, synced_through: '2026-12-05',
      entries: [entry({ missed_in_a_row: 3, group: 'missed_yesterday' }), entry({ case_id: 'c2', name: '李四', missed_in_a_row: 2, group: 'missed_yesterday' })],
    }
    const w = await mounted()
    expect(w.find('[data-testid="observation-lose-李四"]').exists()).toBe(false)
    await w.get('[data-testid="observation-lose-张三"]').trigger('click')
    await flushPromises()
    expect(document.body.textContent).toContain('张三 已连续漏访 3 天')
    expect(calls.changes).toEqual([])
    ;(document.querySelector('.van-dialog__confirm') as HTMLElement).click()
    await flushPromises()
    expect(calls.changes).toEqual([['c1', 'lose', '连续漏访 3 天']])
    calls.today = null
    w.unmount()
  })

  it('offers only returnees not under observation, and opens their case from the declaration', async () => {
    const w = await mounted()
    expect(w.find('[data-testid="observation-open-张三"]').exists()).toBe(false)
    await w.get('[data-testid="observation-open-王五"]').trigger('click')
    await flushPromises()
    expect(calls.opened[0]).toMatchObject({ person_id: 'p9', declaration_id: 'd9', start_date: '2026-12-05' })
    w.unmount()
  })
})

describe('未见到', () => {
  it('asks why and records the visit as not seen, with no temperature', async () => {
    const w = await mounted()
    await w.get('[data-testid="observation-not-seen-张三"]').trigger('click')
    await flushPromises()
    const items = [...document.querySelectorAll('.van-action-sheet__item')]
    const absent = items.find((b) => b.textContent?.includes('不在家'))
    ;(absent as HTMLElement).click()
    await flushPromises()
    expect(calls.visits.at(-1)).toMatchObject({ case_id: 'c1', outcome: 'absent', celsius: null })
    w.unmount()
  })
})
