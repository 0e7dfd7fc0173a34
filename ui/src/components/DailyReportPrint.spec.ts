import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import DailyReportPrint from './DailyReportPrint.vue'
import { createAppI18n } from '../i18n'
import type { Dashboard } from '../ipc'

const zero = {
  checkpoints_open: 0, duty_shifts: 0, passages_in: 0, passages_out: 0, vehicles_in: 0, vehicles_out: 0, out_of_province_vehicles: 0,
  fevers: 0, remeasured_normal: 0, returnees_hubei: 0, returnees_other: 0, returnees_registered: 0,
  observation_in_care: 0, observation_new: 0, observation_released: 0, visits_due: 0, visits_seen: 0,
  visits_missed: 0, observation_unwell: 0, observation_referred: 0, gate_referrals: 0, observation_breaches: 0, key_area_compounds: 0, key_area_households: 0, key_area_visited: 0, key_area_unwell: 0, households_registered: 0, households_screened: 0, persons_registered: 0, persons_accounted: 0,
}
const unit = (id: string, name: string, level: 'street' | 'community', over: object) => ({ id, name, level, figures: { ...zero, ...over } })

describe('the 日报 on paper', () => {
  it('has the template’s title, the 填报 line, a row per community with 在岗人次, and 合计', () => {
    const board = {
      date: '2026-12-06',
      unit: unit('411402001', '平原街道', 'street', { passages_in: 120, fevers: 2, duty_shifts: 6 }),
      above: [],
      below: [unit('411402001018', '八一社区', 'community', { passages_in: 70, fevers: 2, duty_shifts: 6 }), unit('411402001019', '季庄村', 'community', { passages_in: 47 })],
      below_rest: { ...zero, passages_in: 3 },
      zones: [],
      zones_rest: null,
      trend: [],
      data_as_of: '2026-12-06 16:05',
      conflicts: 0,
      fever_threshold_c: 37.3,
      not_built: [],
    } as unknown as Dashboard
    const w = mount(DailyReportPrint, { props: { board, filledBy: '王芳', phone: '0394-1234567' }, global: { plugins: [createAppI18n()] } })
    const text = w.text()
    expect(text).toContain('平原街道新冠肺炎疫情防控工作日报（本机核对稿，未签发）')
    expect(text).toContain('2026年12月6日')
    expect(text).toContain('数据截至：2026-12-06 16:05')
    expect(text).toContain('填报人：王芳')
    expect(text).toContain('联系电话：0394-1234567')
    expect(text).toContain('签发人：')
    const rows = w.findAll('[data-testid="daily-print-row"]')
    expect(rows.map((r) => r.findAll('td')[1].text())).toEqual(['八一社区', '季庄村'])
    // 在岗人次 after 卡点, then 人员进.
    expect(rows[0].findAll('td')[3].text()).toBe('6')
    expect(rows[0].findAll('td')[4].text()).toBe('70')
    // The rest row keeps the rows adding up to 合计.
    expect(text).toContain('未能归入社区的记录')
    const total = w.get('tfoot tr').findAll('td')
    expect(total[0].text()).toBe('合计')
    expect(total[2].text()).toBe('6')
    expect(total[3].text()).toBe('120')
    // Every column is counted: no "not built" note.
    expect(text).not.toContain('尚未建成')
  })
})
