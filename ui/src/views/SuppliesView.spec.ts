import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'

const state = vi.hoisted(() => ({ calls: [] as unknown[][], confirmed: false, donated: false }))

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
  may_allocate: true,
  lots: [{ holder: 'community:411402001018', item: 'surgical_mask', donation_id: 'd1', label: '2026-12-01 捐赠：康民大药房 2000' }],
})

const donations = () => ({
  may_record: true,
  totals: state.donated ? [{ item_name: '医用外科口罩', quantity: 2000, unit: '只' }] : [],
  destinations: [
    { key: 'street', name: '街道仓库', to: [] },
    { key: 'community:411402001018', name: '八一社区', to: [] },
  ],
  donations: state.donated
    ? [{
        id: 'd1', donated_on: '2026-12-01', donor: '康民大药房', donor_kind: 'enterprise', contact_name: '周晨', contact_phone: '184****8116',
        received_by: '郭静', receipt_number: null, publish: true,
        lines: [{ item: 'surgical_mask', name: '医用外科口罩', quantity: 2000, unit: '只', base_quantity: 2000, base_unit: '只', destination: '八一社区', onward: '八一新苑 东门 300只' }],
      }]
    : [],
})

vi.mock('../ipc', async (original) => {
  const real = await original<typeof import('../ipc')>()
  return {
    ...real,
    suppliesBoard: async () => {
      state.calls.push(['board'])
      return board()
    },
    suppliesDonations: async () => donations(),
    suppliesAllocation: async (item: string, available: number, targetDays: number) => {
      state.calls.push(['plan', item, available, targetDays])
      return {
        item, item_name: '医用外科口罩', unit: '只', store_on_hand: 1000, available: 1000, target_days: targetDays,
        rows: [
          { community: '411402001018', name: '八一社区', checkpoints: 1, staff_shifts: 6, open_cases: 2, key_area_households: 0, sites_due: 2, on_hand: -70, incoming: 0, used_7d: 70, days_of_cover: 0, need: 70, proposed: 700 },
          { community: '411402001024', name: '季庄社区', checkpoints: 0, staff_shifts: 0, open_cases: 0, key_area_households: 0, sites_due: 3, on_hand: 0, incoming: 0, used_7d: 0, days_of_cover: null, need: 0, proposed: 300 },
        ],
      }
    },
    suppliesAllocationApprove: async (input: unknown) => {
      state.calls.push(['approve', input])
      return board()
    },
    suppliesDonationRecord: async (input: unknown) => {
      state.calls.push(['donation', input])
      state.donated = true
      return donations()
    },
    suppliesImportDonations: async (file: File) => {
      state.calls.push(['ledger', file.name])
      state.donated = true
      return {
        donations: 20, written: 20, changed: 0, held_already: 0, board: donations(),
        report: {
          file: file.name, kind: 'donation_ledger', sheet: 'Sheet1', header_row: 3, report_date: '2020-02-20',
          rows_total: 42, accepted: 35, warned: 5, rejected: 2, persons_created: 0, persons_merged: 0, households: 0,
          unmapped_columns: [],
          rows: [
            { row: 9, status: 'warned', issues: [{ field: 'quantity', code: 'pack_size_missing', severity: 'warning', message: '规格没有写明每箱的数量，未计入库存，请补充规格', message_en: 'The pack size of a 箱 is not given' }], normalized: {} },
            { row: 30, status: 'rejected', issues: [{ field: 'quantity', code: 'quantity_invalid', severity: 'error', message: '数量“若干”不是整数', message_en: 'not a number' }], normalized: {} },
          ],
        },
      }
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
  it('records a donation line by line and lists where it went; a dispatch may name the donated lot', async () => {
    setActivePinia(createPinia())
    state.calls = []
    const w = mount(SuppliesView, { global: { plugins: [createAppI18n()], stubs: { teleport: true } } })
    await flushPromises()
    await w.get('[data-testid="supplies-donation-record"]').trigger('click')
    await flushPromises()
    await w.get('[data-testid="donation-donor"]').setValue('康民大药房')
    await w.get('[data-testid="donation-phone"]').setValue('18406938116')
    await w.get('[data-testid="donation-quantity-0"]').setValue(2000)
    await w.get('[data-testid="donation-destination-0"]').setValue('community:411402001018')
    await w.get('[data-testid="donation-form"]').trigger('submit')
    await flushPromises()
    expect(state.calls.find((c) => c[0] === 'donation')?.[1]).toMatchObject({
      donor: '康民大药房', contact_phone: '18406938116', publish: true,
      lines: [{ item: 'surgical_mask', quantity: 2000, destination: 'community:411402001018' }],
    })
    const row = w.get('[data-testid="supplies-donation-d1-0"]')
    expect(row.text()).toContain('八一新苑 东门 300只')
    expect(w.get('[data-testid="supplies-donations-totals"]').text()).toContain('医用外科口罩 2000只')
    // A dispatch from 八一社区 offers the donated lot.
    await w.get('[data-testid="supplies-record"]').trigger('click')
    await flushPromises()
    await w.get('[data-testid="supplies-kind-dispatched"]').setValue(true)
    await flushPromises()
    const lots = w.get('[data-testid="supplies-form-donation"]')
    expect(lots.text()).toContain('康民大药房')
  })
  it('proposes an allocation, asks why a line was changed, and approves it', async () => {
    setActivePinia(createPinia())
    state.calls = []
    const w = mount(SuppliesView, { global: { plugins: [createAppI18n()], stubs: { teleport: true } } })
    await flushPromises()
    await w.get('[data-testid="supplies-plan"]').trigger('click')
    await flushPromises()
    expect(state.calls.find((c) => c[0] === 'plan')).toEqual(['plan', 'surgical_mask', 0, 7])
    expect(w.get('[data-testid="plan-row-411402001018"]').text()).toContain('6 班次')
    expect(w.find('[data-testid="plan-reason-411402001024"]').exists()).toBe(false)
    await w.get('[data-testid="plan-quantity-411402001024"]').setValue(200)
    await flushPromises()
    await w.get('[data-testid="plan-reason-411402001024"]').setValue('新设卡点未启用')
    expect(w.get('[data-testid="plan-total"]').text()).toContain('本次分配 900只')
    await w.get('[data-testid="plan-form"]').trigger('submit')
    await flushPromises()
    expect(state.calls.find((c) => c[0] === 'approve')?.[1]).toEqual({
      item: 'surgical_mask',
      lines: [
        { community: '411402001018', quantity: 700, proposed: 700, reason: '' },
        { community: '411402001024', quantity: 200, proposed: 300, reason: '新设卡点未启用' },
      ],
    })
  })
  it('takes the donation ledger in on the street laptop and lists the rows to check', async () => {
    setActivePinia(createPinia())
    state.calls = []
    state.donated = false
    const w = mount(SuppliesView, { global: { plugins: [createAppI18n()], stubs: { teleport: true } } })
    await flushPromises()
    const input = w.get('[data-testid="supplies-donations-import-file"]')
    const file = new File([new Uint8Array([1, 2, 3])], '平原街道_物资捐赠台账.xlsx')
    Object.defineProperty(input.element, 'files', { value: [file] })
    await input.trigger('change')
    await flushPromises()
    expect(state.calls.find((c) => c[0] === 'ledger')).toEqual(['ledger', '平原街道_物资捐赠台账.xlsx'])
    const report = w.get('[data-testid="supplies-donations-row-report"]')
    expect(report.text()).toContain('台账 42 行（5 行需核对，2 行未导入），共 20 批捐赠：新增 20 批')
    expect(report.text()).toContain('第 9 行 需核对：规格没有写明每箱的数量')
    expect(report.text()).toContain('第 30 行 未导入')
    expect(w.get('[data-testid="supplies-donation-d1-0"]').text()).toContain('康民大药房')
  })
})
