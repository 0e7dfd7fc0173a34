import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'

const calls = vi.hoisted(() => ({ signs: [] as string[][], downloads: [] as string[][], queries: [] as { date: string; zone: string | null; community: string | null; compound: string | null }[], exports: [] as unknown[][] }))

const zero = {
  checkpoints_open: 0, duty_shifts: 0, passages_in: 0, passages_out: 0, vehicles_in: 0, vehicles_out: 0, out_of_province_vehicles: 0,
  fevers: 0, remeasured_normal: 0, returnees_hubei: 0, returnees_other: 0, returnees_registered: 0,
  observation_in_care: 0, observation_new: 0, observation_released: 0, visits_due: 0, visits_seen: 0,
  visits_missed: 0, observation_unwell: 0, observation_referred: 0, gate_referrals: 0, observation_breaches: 0, key_area_compounds: 0, key_area_households: 0, key_area_visited: 0, key_area_unwell: 0, households_registered: 0, households_screened: 0, persons_registered: 0, persons_accounted: 0,
}
const unit = (id: string, name: string, level: string, over: object, failed: object[] = []) => ({ id, name, level, figures: { ...zero, ...over }, failed })

vi.mock('../ipc', async (original) => {
  const real = await original<typeof import('../ipc')>()
  return {
    ...real,
    reportSign: async (date: string, signer: string, pin: string) => {
      calls.signs.push([date, signer, pin])
      if (pin !== '2468') throw { code: 'pin_wrong', field: 'pin', message: '签发人或密码不对', message_en: 'wrong signer or PIN', notices: [] }
      return { date, signer, signed_at: `${date} 16:02`, hash: 'a'.repeat(64) }
    },
    reportDownload: async (date: string, filledBy: string, phone: string) => {
      calls.downloads.push([date, filledBy, phone])
      return { path: '/tmp/日报_已签发.xlsx', rows: 2, voided_left_out: 0, file_name: '日报_20261206_已签发.xlsx', folder: '/tmp' }
    },
    dashboardExport: async (q: unknown, filledBy: string, phone: string) => {
      calls.exports.push([q, filledBy, phone])
      return { path: '/tmp/日报.xlsx', rows: 2, voided_left_out: 0, file_name: '日报_20261206_20261206-160000.xlsx', folder: '/tmp' }
    },
    dashboardShow: async (q: { date: string; zone: string | null; community: string | null; compound: string | null }) => {
      calls.queries.push(q)
      const street = unit('411402001', '八一街道', 'street', { passages_in: 120, passages_out: 98, fevers: 2, checkpoints_open: 99 })
      // 八一社区's figures fail a check: 复测正常 3 of 2 fevers.
      const a = unit('411402001018', '八一社区', 'community', { passages_in: 70, fevers: 2, remeasured_normal: 3 }, [
        { rule: 'remeasured_le_fevers', fields: ['remeasured_normal', 'fevers'], message: '复测正常 3 多于体温异常 2', message_en: 're-measured normal 3 exceed fevers 2' },
      ])
      const z = unit('z1', '第一片区', 'zone', { passages_in: 100 })
      const shown = q.zone ? z : q.community ? a : street
      const top = !q.zone && !q.community
      return {
        date: q.date,
        unit: shown,
        above: top ? [] : [street],
        below: q.zone
          ? [unit('c1', '八一新苑', 'compound', { passages_in: 70 }), unit('c9', '季庄花园', 'compound', { passages_in: 30 })]
          : q.community
            ? [unit('c1', '八一新苑', 'compound', { passages_in: 70, fevers: 2 })]
            : [a, unit('411402001019', '季庄村', 'community', { passages_in: 50 })],
        below_rest: top ? { ...zero, passages_in: 3 } : null,
        zones: top ? [z] : [],
        zones_rest: top ? { ...zero, passages_in: 20 } : null,
        trend: [{ date: '2026-12-05', figures: street.figures }, { date: q.date, figures: shown.figures }],
        data_as_of: '2020-01-01 09:12',
        conflicts: 1,
        fever_threshold_c: 37.3,
        duty: {
          checkpoints_open: 99, checkpoints_staffed: 97, volunteers_on_duty: 97,
          without_hand_over: [{ checkpoint: '八一新苑 东门', volunteer: '王志愿', started: '2026-12-06 08:00', ended: '2026-12-06 16:05', next_signed_in: true }],
        },
        not_built: ['hotline'],
      }
    },
  }
})
// The chart draws on a canvas jsdom does not have: a stand-in keeps its place.
vi.mock('vue-echarts', () => ({ default: { name: 'VChart', props: ['option'], template: '<div data-testid="dashboard-trend" />' } }))

import DashboardView from './DashboardView.vue'
import { createAppI18n } from '../i18n'
import { useAppStore } from '../stores/app'

async function mounted() {
  setActivePinia(createPinia())
  // The sync bar's figures: 41 records wait here.
  useAppStore().sync = { online: true, last_success: null, pending: 41, pending_entries: 41, rejected: 0, quarantined: 0, reenrol_needed: false, failures: [], clock_skew_ms: null, syncing: false, received: 0 }
  const wrapper = mount(DashboardView, { global: { plugins: [createAppI18n()] }, attachTo: document.body })
  await flushPromises()
  return wrapper
}

describe('概况 (the dashboard)', () => {
  it('shows the street’s figures, how fresh they are, and what is not built yet', async () => {
    const w = await mounted()
    expect(w.get('[data-testid="dashboard-unit"]').text()).toBe('八一街道')
    expect(w.get('[data-testid="tile-passages_in"]').text()).toContain('120')
    expect(w.get('[data-testid="tile-passages_in"]').text()).toContain('人员进')
    expect(w.get('[data-testid="tile-fevers"]').classes()).toContain('warn')
    const asOf = w.get('[data-testid="dashboard-as-of"]')
    expect(asOf.text()).toContain('本机数据截至 2020-01-01 09:12')
    expect(asOf.text()).toContain('本机待传 41 条')
    expect(asOf.text()).toContain('数字可能偏低')
    expect(w.get('[data-testid="dashboard-not-built"]').text()).toContain('热线举报')
    // 值班 now: 97 of 99 gates staffed, red; the shift that ended with no hand-over named.
    expect(w.get('[data-testid="tile-duty-staffed"]').text()).toContain('97/99')
    expect(w.get('[data-testid="tile-duty-staffed"]').classes()).toContain('warn')
    expect(w.get('[data-testid="dashboard-duty-rows"]').text()).toContain('八一新苑 东门：王志愿 2026-12-06 08:00 签到，未交班；2026-12-06 16:05 下一班签到')
    expect(w.find('[data-testid="dashboard-trend"]').exists()).toBe(true)
    w.unmount()
  })

  it('opens a community from its name and goes back up to the street', async () => {
    calls.queries.length = 0
    const w = await mounted()
    const rows = w.findAll('[data-testid="dashboard-below"] tbody tr.unit')
    expect(rows.map((r) => r.find('td').text())).toEqual(['八一社区', '季庄村'])
    // What no community holds has its row, so that the rows add up to 合计.
    expect(w.get('[data-testid="dashboard-row-rest"]').text()).toContain('未能归入社区的记录')
    // Each name is a button: Tab reaches it, Enter or Space opens it.
    await rows[0].get('button.open').trigger('click')
    await flushPromises()
    expect(calls.queries.at(-1)).toMatchObject({ community: '411402001018', compound: null })
    expect(w.get('[data-testid="dashboard-unit"]').text()).toBe('八一社区')
    await w.get('[data-testid="dashboard-up-street"]').trigger('click')
    await flushPromises()
    expect(calls.queries.at(-1)).toMatchObject({ community: null, compound: null })
    w.unmount()
  })

  it('lists the street’s zones beside its communities and opens one', async () => {
    calls.queries.length = 0
    const w = await mounted()
    const zones = w.get('[data-testid="dashboard-zones"]')
    expect(zones.findAll('tbody tr.unit').map((r) => r.find('td').text())).toEqual(['第一片区'])
    expect(w.get('[data-testid="dashboard-zones-rest"]').text()).toContain('不在任何片区')
    expect(w.text()).toContain('各片区')
    await zones.get('tbody tr.unit button.open').trigger('click')
    await flushPromises()
    expect(calls.queries.at(-1)).toMatchObject({ zone: 'z1', community: null, compound: null })
    expect(w.get('[data-testid="dashboard-unit"]').text()).toBe('第一片区')
    // A zone's report is not the street's 日报.
    expect(w.find('[data-testid="dashboard-export"]').exists()).toBe(false)
    await w.findAll('[data-testid="dashboard-below"] tbody tr.unit')[1].get('button.open').trigger('click')
    await flushPromises()
    expect(calls.queries.at(-1)).toMatchObject({ zone: 'z1', compound: 'c9' })
    await w.get('[data-testid="dashboard-up-street"]').trigger('click')
    await flushPromises()
    expect(calls.queries.at(-1)).toMatchObject({ zone: null, community: null, compound: null })
    w.unmount()
  })

  it('hands the list behind a number to the desk: the day’s fevers', async () => {
    const w = await mounted()
    await w.get('[data-testid="tile-fevers"]').trigger('click')
    const drills = w.emitted('drill') as unknown[][]
    expect(drills.at(-1)?.[0]).toMatchObject({ tab: 'readings', feverOnly: true })
    // 开设卡点 has no list behind it.
    expect(w.get('[data-testid="tile-checkpoints_open"]').attributes('disabled')).toBeDefined()
    w.unmount()
  })

  it('exports the day’s report with who filled it in, remembered for next time', async () => {
    localStorage.clear()
    const w = await mounted()
    await w.get('[data-testid="dashboard-export"]').trigger('click')
    await flushPromises()
    const name = document.querySelector('[data-testid="dashboard-filled-by"] input') as HTMLInputElement
    name.value = '王芳'
    name.dispatchEvent(new Event('input'))
    await flushPromises()
    ;(document.querySelector('[data-testid="dashboard-export-go"]') as HTMLButtonElement).click()
    await flushPromises()
    expect(calls.exports.at(-1)?.[1]).toBe('王芳')
    expect(localStorage.getItem('kadian.report.filledBy')).toBe('王芳')
    w.unmount()
  })

  it('signs the day with a 签发人 and PIN on the server, then downloads the signed report', async () => {
    localStorage.setItem('kadian.report.filledBy', '王敏')
    const w = await mounted()
    await w.get('[data-testid="dashboard-sign"]').trigger('click')
    await flushPromises()
    await w.get('[data-testid="dashboard-signer"] input').setValue('赵主任')
    await w.get('[data-testid="dashboard-pin"] input').setValue('1111')
    await w.get('[data-testid="dashboard-sign-sheet"] form').trigger('submit')
    await flushPromises()
    // A wrong PIN is said in the form, the PIN is cleared, nothing is downloaded.
    expect(w.get('[data-testid="dashboard-sign-error"]').text()).toContain('签发人或密码不对')
    expect((w.get('[data-testid="dashboard-pin"] input').element as HTMLInputElement).value).toBe('')
    expect(calls.downloads).toEqual([])
    await w.get('[data-testid="dashboard-pin"] input').setValue('2468')
    await w.get('[data-testid="dashboard-sign-sheet"] form').trigger('submit')
    await flushPromises()
    expect(calls.signs.at(-1)).toEqual([expect.any(String), '赵主任', '2468'])
    expect(calls.downloads.at(-1)?.[1]).toBe('王敏')
    // The signer is remembered for tomorrow; the PIN never is.
    expect(localStorage.getItem('kadian.report.signer')).toBe('赵主任')
    expect(JSON.stringify(localStorage)).not.toContain('2468')
    w.unmount()
    document.querySelectorAll('.van-dialog, .van-overlay, .van-toast').forEach((e) => e.remove())
  })

  it('marks the cells of a failed check and lists it, as the server checks before signing', async () => {
    const w = await mounted()
    expect(w.get('[data-testid="dashboard-checks"]').text()).toContain('八一社区：复测正常 3 多于体温异常 2')
    const row = w.get('[data-testid="dashboard-row-411402001018"]')
    const marked = row.findAll('td.failed')
    // 体温异常 is one of the table's columns; its cell says why.
    expect(marked.length).toBe(1)
    expect(marked[0].attributes('title')).toBe('复测正常 3 多于体温异常 2')
    // The street's own figures pass: no tile is marked.
    expect(w.findAll('.tile.failed')).toHaveLength(0)
    w.unmount()
  })
})
