import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'

const state = vi.hoisted(() => ({ calls: [] as unknown[][], visited: false, lifted: false }))

const area = () => ({
  id: 'k1', compound_id: 'c1', compound: '西城花园', parts: ['3'], reason: 'close_contacts', declared_by: 'community',
  from: '2026-12-01', review: '2026-12-15', active: !state.lifted, lifted_on: state.lifted ? '2026-12-07' : null, review_due: false,
  households: 2, visited: state.visited ? 1 : 0, persons: 5, seen: state.visited ? 2 : 0, unwell: 0, needs: 0,
})

vi.mock('../ipc', async (original) => {
  const real = await original<typeof import('../ipc')>()
  return {
    ...real,
    keyAreas: async () => [area()],
    householdNeeds: async () => [
      { household_id: 'h9', compound: '西城花园', address: '3号楼2单元201', head: '赵六', needs: ['medicine'], reported: '2026-12-06 09:30', recorded_by: '王芳', note: '需要降压药' },
    ],
    keyAreaDay: async () => ({
      area: area(), date: '2026-12-07',
      households: [
        { id: 'h1', address: '3号楼1单元101', head: '张三', members: [{ person_id: 'p1', name: '张三' }, { person_id: 'p2', name: '李四' }], visited: state.visited, outcome: state.visited ? 'all_well' : null, needs: [] },
        { id: 'h2', address: '3号楼1单元102', head: null, members: [{ person_id: 'p3', name: '王五' }], visited: false, outcome: null, needs: [] },
      ],
    }),
    householdVisit: async (input: unknown) => {
      state.calls.push(['visit', input])
      state.visited = true
    },
    keyAreaChange: async (...args: unknown[]) => {
      state.calls.push(['change', ...args])
      state.lifted = true
      return area()
    },
  }
})

import KeyAreas from './KeyAreas.vue'
import { createAppI18n } from '../i18n'
import { chinaToday } from '../chinaTime'

describe('重点区域', () => {
  it('lists a key area with its day, records 全部正常 in one tap, and lifts it with a reason', async () => {
    setActivePinia(createPinia())
    const w = mount(KeyAreas, { props: { date: chinaToday(), compounds: [{ id: 'c1', name: '西城花园' }] }, global: { plugins: [createAppI18n()] } })
    await flushPromises()
    expect(w.get('[data-testid="key-area-西城花园"]').text()).toContain('今日已入户 0/2 户')
    // The needs list: a household whose latest visit reported medicine.
    expect(w.get('[data-testid="need-3号楼2单元201"]').text()).toContain('药品')
    expect(w.get('[data-testid="need-3号楼2单元201"]').text()).toContain('需要降压药')
    await w.get('[data-testid="key-area-open-西城花园"]').trigger('click')
    await flushPromises()
    await w.get('[data-testid="key-all-well-3号楼1单元101"]').trigger('click')
    await flushPromises()
    const [, visit] = state.calls.find((c) => c[0] === 'visit') as [string, { outcome: string; seen: { person_id: string }[] }]
    expect(visit.outcome).toBe('all_well')
    expect(visit.seen.map((m) => m.person_id)).toEqual(['p1', 'p2'])
    expect(w.get('[data-testid="key-area-西城花园"]').text()).toContain('今日已入户 1/2 户')
    await w.get('[data-testid="key-area-lift-西城花园"]').trigger('click')
    await w.get('[data-testid="key-area-change-reason"]').setValue('14 天无新增病例')
    await w.get('[data-testid="key-area-change"]').trigger('submit')
    await flushPromises()
    expect(state.calls.find((c) => c[0] === 'change')).toEqual(['change', 'k1', 'lift', null, '14 天无新增病例'])
    expect(w.get('[data-testid="key-area-西城花园"]').text()).toContain('已于 2026-12-07 解除')
  })

  it('records no visit on a past day: a visit counts for the day it is made', async () => {
    setActivePinia(createPinia())
    state.visited = false
    state.lifted = false
    const w = mount(KeyAreas, { props: { date: '2020-02-03', compounds: [{ id: 'c1', name: '西城花园' }] }, global: { plugins: [createAppI18n()] } })
    await flushPromises()
    await w.get('[data-testid="key-area-open-西城花园"]').trigger('click')
    await flushPromises()
    expect(w.find('[data-testid="key-all-well-3号楼1单元101"]').exists()).toBe(false)
    expect(w.get('[data-testid="key-household-3号楼1单元101"]').text()).toContain('当天未入户')
  })
})
