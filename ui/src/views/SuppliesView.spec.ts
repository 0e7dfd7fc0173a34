import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'

const state = vi.hoisted(() => ({ calls: [] as unknown[][], confirmed: false }))

const board = () => ({
  as_of: '2026-12-07 10:15',
  items: [{ code: 'surgical_mask', name: '医用外科口罩', unit: '只', pack_size: 50 }],
  rows: [
    { holder: 'checkpoint:g1', holder_name: '八一新苑 东门', item: 'surgical_mask', item_name: '医用外科口罩', unit: '只', on_hand: -300, used_7d: 0, days_of_cover: null, incoming: 0, short: true },
    { holder: 'community:411402001018', holder_name: '八一社区', item: 'surgical_mask', item_name: '医用外科口罩', unit: '只', on_hand: state.confirmed ? 780 : 0, used_7d: 0, days_of_cover: null, incoming: state.confirmed ? 0 : 800, short: !state.confirmed },
  ],
  awaiting: state.confirmed ? [] : [{ id: 't1', item: 'surgical_mask', item_name: '医用外科口罩', unit: '只', from: '街道仓库', to: '八一社区', to_holder: 'community:411402001018', sent: 800, received: null, difference: null, at: '2026-12-07 09:00' }],
  discrepancies: state.confirmed ? [{ id: 't1', item: 'surgical_mask', item_name: '医用外科口罩', unit: '只', from: '街道仓库', to: '八一社区', to_holder: 'community:411402001018', sent: 800, received: 780, difference: 20, at: '2026-12-07 09:00' }] : [],
  holders: [{ key: 'community:411402001018', name: '八一社区', to: ['checkpoint:g1'] }],
  receivers: [{ key: 'checkpoint:g1', name: '八一新苑 东门', to: [] }],
})

vi.mock('../ipc', async (original) => {
  const real = await original<typeof import('../ipc')>()
  return {
    ...real,
    suppliesBoard: async () => {
      state.calls.push(['board'])
      return board()
    },
    suppliesRecord: async (input: unknown) => {
      state.calls.push(['record', input])
      state.confirmed = true
      return board()
    },
  }
})

import SuppliesView from './SuppliesView.vue'
import { createAppI18n } from '../i18n'

describe('物资', () => {
  it('shows stock below zero in red, confirms a receipt with what arrived, and shows the difference', async () => {
    setActivePinia(createPinia())
    const w = mount(SuppliesView, { global: { plugins: [createAppI18n()], stubs: { teleport: true } } })
    await flushPromises()
    const street = w.get('[data-testid="supplies-row-checkpoint:g1-surgical_mask"]')
    expect(street.classes()).toContain('short')
    expect(street.text()).toContain('-300 只')
    await w.get('[data-testid="supplies-receive-t1"]').trigger('click')
    await flushPromises()
    await w.get('[data-testid="supplies-form-quantity"]').setValue(780)
    await w.get('[data-testid="supplies-form"]').trigger('submit')
    await flushPromises()
    expect(state.calls.find((c) => c[0] === 'record')?.[1]).toMatchObject({
      kind: 'receipt_confirmed', holder: 'community:411402001018', item: 'surgical_mask', quantity: 780, transfer_id: 't1',
    })
    expect(w.get('[data-testid="supplies-discrepancies"]').text()).toContain('差 20只')
  })
})
