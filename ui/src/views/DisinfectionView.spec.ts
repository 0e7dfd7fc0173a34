import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'

const state = vi.hoisted(() => ({ calls: [] as unknown[][], done: false }))

const board = () => ({
  day: '2026-12-07', as_of: '2026-12-07 10:15', grace_minutes: 120,
  sites: [
    {
      id: 's1', kind: 'compound_public_area', name: '八一新苑小区公共区域', address: '平原街道八一新苑', community_code: '411402001018',
      compound: 'c1', place: '八一新苑', responsible_unit: '八一新苑物业服务中心', contact_name: '石国', contact_phone: '133****5142',
      times_per_day: 2, slot_times: ['08:00', '16:00'], active_from: null, active_to: null,
      slots: [
        state.done
          ? { slot: '08:00', state: 'done', due_at: '08:00', minutes_late: null, done_at: '09:50' }
          : { slot: '08:00', state: 'overdue', due_at: '08:00', minutes_late: 135, done_at: null },
        { slot: '16:00', state: 'due', due_at: '16:00', minutes_late: null, done_at: null },
      ],
      done: state.done ? 1 : 0, overdue: state.done ? 0 : 1, extra: 0,
    },
  ],
  units: [{ community_code: '411402001018', name: '八一社区', sites: 1, due: 2, done: state.done ? 1 : 0, overdue: state.done ? 0 : 1, extra: 0 }],
  total: { community_code: null, name: '合计', sites: 1, due: 2, done: state.done ? 1 : 0, overdue: state.done ? 0 : 1, extra: 0 },
  overdue: state.done ? [] : [{ site_id: 's1', site_name: '八一新苑小区公共区域', kind: 'compound_public_area', place: '八一新苑', slot: '08:00', minutes_late: 135 }],
})

vi.mock('../ipc', async (original) => {
  const real = await original<typeof import('../ipc')>()
  return {
    ...real,
    disinfectionBoard: async (day: string) => {
      state.calls.push(['board', day])
      return board()
    },
    disinfectionRecord: async (input: unknown) => {
      state.calls.push(['record', input])
      state.done = true
      return board()
    },
    disinfectionSiteSave: async (input: unknown) => {
      state.calls.push(['site', input])
      return board()
    },
    volunteerCompounds: async () => [{ id: 'c1', name: '八一新苑' }],
  }
})

import DisinfectionView from './DisinfectionView.vue'
import { createAppI18n } from '../i18n'

describe('消杀', () => {
  it('shows the overdue slot in red with how late, records it from its chip, and adds a site with its times', async () => {
    setActivePinia(createPinia())
    const w = mount(DisinfectionView, { global: { plugins: [createAppI18n()], stubs: { teleport: true } } })
    await flushPromises()
    expect(w.get('[data-testid="disinfection-overdue"]').text()).toContain('已超时 2 小时 15 分')
    const chip = w.get('[data-testid="disinfection-slot-八一新苑小区公共区域-08:00"]')
    expect(chip.attributes('data-state')).toBe('overdue')
    // The phone stays masked in the list.
    expect(w.text()).toContain('133****5142')
    await chip.trigger('click')
    await flushPromises()
    await w.get('[data-testid="disinfection-form-time"]').setValue('09:50')
    await w.get('[data-testid="disinfection-form"]').trigger('submit')
    await flushPromises()
    const recorded = state.calls.find((c) => c[0] === 'record')?.[1] as Record<string, unknown>
    expect(recorded).toMatchObject({ site_id: 's1', slot: '08:00', at: '2026-12-07 09:50', agent: 'chlorine', concentration_mg_l: 500, done_by: 'property_company' })
    expect(w.get('[data-testid="disinfection-slot-八一新苑小区公共区域-08:00"]').attributes('data-state')).toBe('done')
    expect(w.find('[data-testid="disinfection-no-overdue"]').exists()).toBe(true)

    await w.get('[data-testid="disinfection-add-site"]').trigger('click')
    await flushPromises()
    await w.get('[data-testid="disinfection-site-name"]').setValue('丹尼斯超市')
    await w.get('[data-testid="disinfection-site-kind"]').setValue('supermarket')
    await w.get('[data-testid="disinfection-site-slots"]').setValue('8：00，16:00')
    await w.get('[data-testid="disinfection-site-form"]').trigger('submit')
    await flushPromises()
    const saved = state.calls.find((c) => c[0] === 'site')?.[1] as Record<string, unknown>
    expect(saved).toMatchObject({ name: '丹尼斯超市', kind: 'supermarket', slots: ['8:00', '16:00'], times_per_day: 2 })
  })
})
