import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'

const state = vi.hoisted(() => ({ calls: [] as unknown[][], confirmed: false, used: 0, disinfected: false }))

const sites = () => ({
  grace_minutes: 120,
  sites: [{
    id: 's1', kind: 'checkpoint', name: '八一新苑东门卡点', address: null, community_code: '411402001018', compound: 'c1', place: '八一新苑',
    responsible_unit: null, contact_name: null, contact_phone: null, times_per_day: 2, slot_times: ['08:00', '20:00'], active_from: null, active_to: null,
    slots: [
      { slot: '08:00', state: state.disinfected ? 'done' : 'overdue', done_at: null },
      { slot: '20:00', state: 'due', done_at: null },
    ],
    done: state.disinfected ? 1 : 0, overdue: state.disinfected ? 0 : 1, extra: 0,
  }],
})

const gate = () => ({
  checkpoint: '八一新苑 东门',
  items: [{ code: 'surgical_mask', name: '医用外科口罩', unit: '只', pack_size: 50 }],
  rows: state.confirmed
    ? [{ holder: 'checkpoint:g1', holder_name: '八一新苑 东门', item: 'surgical_mask', item_name: '医用外科口罩', unit: '只', on_hand: 280 - state.used, used_7d: state.used, days_of_cover: null, incoming: 0, short: false }]
    : [],
  awaiting: state.confirmed
    ? []
    : [{ id: 't1', item: 'surgical_mask', item_name: '医用外科口罩', unit: '只', from: '八一社区', to: '八一新苑 东门', to_holder: 'checkpoint:g1', sent: 300, received: null, difference: null, at: '2026-12-07 09:00' }],
  used_this_shift: state.used ? [{ item: 'surgical_mask', item_name: '医用外科口罩', quantity: state.used, unit: '只' }] : [],
})

vi.mock('../ipc', async (original) => {
  const real = await original<typeof import('../ipc')>()
  return {
    ...real,
    suppliesGate: async () => gate(),
    disinfectionGate: async () => sites(),
    disinfectionGateRecord: async (id: string, agent: string, method: string) => {
      state.calls.push(['disinfected', id, agent, method])
      state.disinfected = true
      return sites()
    },
    suppliesGateConfirm: async (id: string, quantity: number, pin: string) => {
      state.calls.push(['confirm', id, quantity, pin])
      if (pin !== '2468') throw { code: 'pin_wrong', field: 'pin', message: '密码不对，请再试一次', message_en: 'Wrong PIN; try again' }
      state.confirmed = true
      return gate()
    },
    suppliesGateUsed: async (item: string, quantity: number) => {
      state.calls.push(['used', item, quantity])
      state.used += quantity
      return gate()
    },
  }
})

import GateSupplies from './GateSupplies.vue'
import { createAppI18n } from '../i18n'

describe('卡点物资', () => {
  it('confirms a delivery with what arrived and the volunteer PIN, then records the shift use', async () => {
    setActivePinia(createPinia())
    const w = mount(GateSupplies, { global: { plugins: [createAppI18n()] } })
    await flushPromises()
    expect(w.get('[data-testid="gate-delivery-t1"]').text()).toContain('八一社区 发来 医用外科口罩 300只')
    await w.get('[data-testid="gate-delivery-start-t1"]').trigger('click')
    await w.get('[data-testid="gate-delivery-quantity"]').setValue(280)
    await w.get('[data-testid="gate-delivery-pin"]').setValue('1111')
    await w.get('[data-testid="gate-delivery-form"]').trigger('submit')
    await flushPromises()
    // A wrong PIN: nothing confirmed, the PIN cleared for another try.
    expect((w.get('[data-testid="gate-delivery-pin"]').element as HTMLInputElement).value).toBe('')
    await w.get('[data-testid="gate-delivery-pin"]').setValue('2468')
    await w.get('[data-testid="gate-delivery-form"]').trigger('submit')
    await flushPromises()
    expect(state.calls.at(-1)).toEqual(['confirm', 't1', 280, '2468'])
    expect(w.get('[data-testid="gate-stock-surgical_mask"]').text()).toContain('280 只')
    await w.get('[data-testid="gate-use-quantity"]').setValue(40)
    await w.get('[data-testid="gate-use-form"]').trigger('submit')
    await flushPromises()
    expect(state.calls.at(-1)).toEqual(['used', 'surgical_mask', 40])
    expect(w.get('[data-testid="gate-used"]').text()).toContain('医用外科口罩 40只')
    expect(w.get('[data-testid="gate-stock-surgical_mask"]').text()).toContain('240 只')
  })
  it("shows the gate's disinfection slots and records the one done now", async () => {
    setActivePinia(createPinia())
    const w = mount(GateSupplies, { global: { plugins: [createAppI18n()] } })
    await flushPromises()
    expect(w.get('[data-testid="gate-site-s1"]').text()).toContain('08:00 超时')
    await w.get('[data-testid="gate-disinfection-agent"]').setValue('alcohol75')
    await w.get('[data-testid="gate-site-done-s1"]').trigger('click')
    await flushPromises()
    expect(state.calls.at(-1)).toEqual(['disinfected', 's1', 'alcohol75', 'wipe'])
    expect(w.get('[data-testid="gate-site-s1"]').text()).toContain('08:00 已消杀')
  })
})
