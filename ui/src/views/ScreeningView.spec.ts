import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'

const state = vi.hoisted(() => ({ calls: [] as unknown[][], saved: false }))

const coverage = (c: Record<string, number>) => ({
  households_registered: 0, households_screened: 0, households_partial: 0, households_silent: 0,
  households_vacant: 0, persons_registered: 0, persons_accounted: 0, persons_away: 0, ...c,
})

vi.mock('../ipc', async (original) => {
  const real = await original<typeof import('../ipc')>()
  return {
    ...real,
    screeningCoverage: async (query: { date: string; compound: string | null }) => {
      state.calls.push(['coverage', query.compound])
      const c = coverage({ households_registered: 27, households_screened: 3, households_partial: 2, households_silent: 22, persons_registered: 105, persons_accounted: 9, persons_away: 8 })
      return {
        date: query.date, window_from: '2026-12-01',
        rows: [{ compound_id: 'v1', compound: '季庄村', community: '季庄社区', coverage: c, household_rate: 11.1 }],
        total: c, household_rate: 11.1,
        households: [
          { id: 'h1', compound: '季庄村', address: '1组9号', head: '季诺强', members: 2, accounted: 0, state: 'silent' },
          { id: 'h2', compound: '季庄村', address: '1组11号', head: '季远', members: 3, accounted: 1, state: 'partial' },
        ],
        more: 0,
      }
    },
    screeningHousehold: async (id: string) => {
      state.calls.push(['household', id])
      return {
        id, compound: '季庄村', address: '1组9号', kind: null, head: '季诺强', phone: '159****7537', state: 'silent',
        members: [
          { person_id: 'p1', name: '季诺强', relation: 'head', phone: '159****7537', away: false, away_place: null, accounted: false, last_passage: null },
          { person_id: 'p2', name: '季晓娟', relation: 'daughter', phone: null, away: true, away_place: '浙江省温州市', accounted: false, last_passage: '2026-11-20 08:15' },
        ],
        screenings: state.saved ? [{ at: '2026-12-07 10:00', method: 'door', recorded_by: '王芳', present: 1, away: 1, gone: 0, new: 1, vacant: false, note: null }] : [],
        visits: [{ date: '2026-12-06', at: '2026-12-06 09:30', method: 'door', outcome: 'someone_unwell', seen: 1, highest: 37.8, needs: ['medicine'], recorded_by: '李娜', note: '咳嗽' }],
      }
    },
    keyAreas: async () => [],
    screeningRecord: async (input: unknown) => {
      state.calls.push(['record', input])
      state.saved = true
      return {
        id: 'h1', compound: '季庄村', address: '1组9号', kind: null, head: '季诺强', phone: null, state: 'screened',
        members: [], screenings: [{ at: '2026-12-07 10:00', method: 'door', recorded_by: '王芳', present: 1, away: 1, gone: 0, new: 1, vacant: false, note: null }], visits: [],
      }
    },
  }
})

import ScreeningView from './ScreeningView.vue'
import { createAppI18n } from '../i18n'

describe('入户排查', () => {
  it('shows each compound’s coverage, the households to knock on, and a household’s members', async () => {
    setActivePinia(createPinia())
    const w = mount(ScreeningView, { global: { plugins: [createAppI18n()] } })
    await flushPromises()
    expect(w.get('[data-testid="screening-total"]').text()).toContain('户覆盖率 11.1%')
    const row = w.get('[data-testid="screening-row-季庄村"]')
    expect(row.text()).toContain('27')
    expect(row.text()).toContain('22')
    const list = w.get('[data-testid="screening-households"]').text()
    expect(list.indexOf('1组9号')).toBeLessThan(list.indexOf('1组11号'))
    expect(list).toContain('未见')
    expect(list).toContain('已掌握 1/3 人')
    // Picking the compound lists its own households.
    await row.trigger('click')
    await flushPromises()
    expect(state.calls).toContainEqual(['coverage', 'v1'])
    await w.get('[data-testid="household-季庄村-1组9号"]').trigger('click')
    await flushPromises()
    const members = w.get('[data-testid="household-members"]').text()
    expect(members).toContain('户主')
    expect(members).toContain('外出（浙江省温州市）')
    expect(members).toContain('未登记过')
    // The household's visits: the unwell one with its highest reading and need.
    const visits = w.get('[data-testid="household-visits"]').text()
    expect(visits).toContain('有人异常')
    expect(visits).toContain('37.8 ℃')
    expect(visits).toContain('药品')
    // 登记排查: the member away starts as 外出 with where; a newborn is added; one save.
    expect((w.get('[data-testid="screening-季晓娟-place"]').element as HTMLInputElement).value).toBe('浙江省温州市')
    await w.get('[data-testid="screening-new-name"]').setValue('季小宝')
    await w.get('[data-testid="screening-new-relation"]').setValue('grandchild')
    await w.get('[data-testid="screening-new-add"]').trigger('click')
    // 季诺强 is just back from 武汉: where from and the day she arrived.
    await w.get('[data-testid="screening-季诺强-back"]').setValue(true)
    await w.get('[data-testid="screening-季诺强-from"]').setValue('湖北武汉')
    await w.get('[data-testid="screening-form"]').trigger('submit')
    await flushPromises()
    type Sent = { members: { status: string; away_place: string; returned: { from_place: string; arrived: string } | null }[]; new_members: { name: string }[] }
    const [, input] = state.calls.find((c) => c[0] === 'record') as [string, Sent]
    expect(input.members.map((m) => m.status)).toEqual(['present', 'away'])
    expect(input.members[1].away_place).toBe('浙江省温州市')
    expect(input.members[0].returned?.from_place).toBe('湖北武汉')
    expect(input.members[0].returned?.arrived).toMatch(/^\d{4}-\d{2}-\d{2}$/)
    expect(input.members[1].returned).toBeNull()
    expect(input.new_members[0].name).toBe('季小宝')
    expect(w.get('[data-testid="household-screenings"]').text()).toContain('上门')
  })
})
