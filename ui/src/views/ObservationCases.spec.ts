import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'

const calls = vi.hoisted(() => ({ exports: [] as unknown[][], pages: [] as string[] }))

const entry = (over: object) => ({
  case_id: 'c1', person_id: 'p1', origin_id: null, name: '张三', address: '3号楼1单元301', compound_name: '八一新苑',
  reason: 'returnee_elsewhere', status: 'open', day: 5, days: 14, end: '2099-12-15', today: 'due', missed_in_a_row: 0,
  last_celsius: 36.4, responsible: '李红梅', went_out_today: false, group: 'due', ...over,
})

vi.mock('../ipc', async (original) => {
  const real = await original<typeof import('../ipc')>()
  return {
    ...real,
    observationList: async () => [
      entry({}),
      entry({ case_id: 'c2', name: '李四', reason: 'returnee_hubei', status: 'referred', responsible: '王强', missed_in_a_row: 2 }),
      entry({ case_id: 'c3', name: '王五', status: 'released', end: '2020-02-11' }),
    ],
    observationCase: async (id: string) => {
      calls.pages.push(id)
      return {
        entry: entry({ case_id: id, name: '李四', status: 'referred' }), start: '2026-12-01', policy_days: 14,
        responsible_phone: '13800138000', backup: null, notes: '同住：妻子',
        days: [
          { date: '2026-12-02', day: 1, state: 'seen', celsius: 36.5 },
          { date: '2026-12-03', day: 2, state: 'seen_unwell', celsius: 38.1 },
          { date: '2026-12-04', day: 3, state: 'unknown', celsius: null },
        ],
        visits: [
          { id: 'v1', date: '2026-12-02', at: '2026-12-02 09:10', slot: 'any', method: 'door', outcome: 'seen_well', celsius: 36.5, remeasure: false, symptoms: [], action: 'none', recorded_by: '王强' },
          { id: 'v2', date: '2026-12-03', at: '2026-12-03 09:05', slot: 'any', method: 'door', outcome: 'seen_unwell', celsius: 38.1, remeasure: false, symptoms: ['fever', 'cough'], action: 'referred', recorded_by: '王强' },
        ],
        changes: [
          { id: 't1', kind: 'refer', effective: '2026-12-03', reason: '发热 38.1', at: '2026-12-03 09:06', recorded_by: '王强', applied: true },
          { id: 't2', kind: 'release', effective: '2026-12-03', reason: '', at: '2026-12-03 10:00', recorded_by: '李红梅', applied: false },
        ],
      }
    },
    observationExport: async (...args: unknown[]) => {
      calls.exports.push(args)
      return { path: '/tmp/x.xlsx', rows: 2, voided_left_out: 0, file_name: '居家观察每日随访表_20261206-100000.xlsx', folder: '/tmp' }
    },
  }
})

import ObservationCases from './ObservationCases.vue'
import { createAppI18n } from '../i18n'

async function mounted() {
  setActivePinia(createPinia())
  const wrapper = mount(ObservationCases, { global: { plugins: [createAppI18n()] }, attachTo: document.body })
  await flushPromises()
  return wrapper
}

describe('全部人员 (the case list)', () => {
  it('shows those under observation by default and filters by status, reason and responsible', async () => {
    const w = await mounted()
    const names = () => w.findAll('[data-testid="cases-table"] tbody tr').map((r) => r.find('td').text())
    expect(names()).toEqual(['张三', '李四'])
    expect(w.get('[data-testid="case-row-李四"]').text()).toContain('已转应急处置组')
    expect(w.get('[data-testid="case-row-李四"]').text()).toContain('连续漏访 2 天')
    await w.get('[data-testid="cases-status"]').setValue('released')
    expect(names()).toEqual(['王五'])
    await w.get('[data-testid="cases-status"]').setValue('')
    expect(w.get('[data-testid="cases-count"]').text()).toBe('共 3 人')
    await w.get('[data-testid="cases-reason"]').setValue('returnee_hubei')
    expect(names()).toEqual(['李四'])
    await w.get('[data-testid="cases-reason"]').setValue('')
    await w.get('[data-testid="cases-responsible"]').setValue('李红梅')
    expect(names()).toEqual(['张三', '王五'])
    await w.get('[data-testid="cases-search"]').setValue('王')
    expect(names()).toEqual(['王五'])
    // The red list: missed 2 days running or more, still under observation.
    await w.get('[data-testid="cases-search"]').setValue('')
    await w.get('[data-testid="cases-responsible"]').setValue('')
    await w.get('[data-testid="cases-red"]').setValue(true)
    expect(names()).toEqual(['李四'])
    w.unmount()
  })

  it('opens a case page with its days, visits and a change that did not apply', async () => {
    const w = await mounted()
    await w.get('[data-testid="case-row-李四"]').trigger('click')
    await flushPromises()
    expect(calls.pages).toEqual(['c2'])
    const sheet = document.querySelector('[data-testid="case-sheet"]') as HTMLElement
    expect(sheet.textContent).toContain('13800138000')
    const days = [...sheet.querySelectorAll('[data-testid="case-days"] li')].map((d) => d.textContent ?? '')
    expect(days[0]).toContain('12月2日')
    expect(days[0]).toContain('36.5 ℃')
    expect(days[1]).toContain('异常')
    expect(days[2]).toContain('未同步')
    expect(sheet.querySelector('[data-testid="case-visits"]')?.textContent).toContain('发热、咳嗽')
    const changes = sheet.querySelectorAll('[data-testid="case-changes"] li')
    expect(changes[0].textContent).toContain('转应急处置组')
    expect(changes[1].classList.contains('clash')).toBe(true)
    expect(changes[1].textContent).toContain('未生效')
    w.unmount()
  })

  it('exports the daily sheet for the chosen days', async () => {
    const w = await mounted()
    await w.get('[data-testid="sheet-xlsx"]').trigger('click')
    await flushPromises()
    expect(calls.exports).toHaveLength(1)
    const [from, to, format] = calls.exports[0] as [string, string, string]
    expect(format).toBe('xlsx')
    expect(from).toMatch(/^\d{4}-\d{2}-\d{2}$/)
    // Fourteen days up to today, both ends counted.
    expect((Date.parse(to) - Date.parse(from)) / 86_400_000).toBe(13)
    expect(document.body.textContent).toContain('居家观察每日随访表_20261206-100000.xlsx')
    w.unmount()
  })
})

describe('the case page', () => {
  it('closes on Esc wherever the focus is', async () => {
    const w = await mounted()
    await w.get('[data-testid="case-row-张三"]').trigger('click')
    await flushPromises()
    expect(w.findComponent({ name: 'CaseSheet' }).props('caseId')).toBe('c1')
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }))
    await flushPromises()
    expect(w.findComponent({ name: 'CaseSheet' }).props('caseId')).toBeNull()
    w.unmount()
  })
})
