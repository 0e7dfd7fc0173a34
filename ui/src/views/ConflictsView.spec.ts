import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'

const state = vi.hoisted(() => ({ settled: [] as unknown[][], open: true, clash: false }))

vi.mock('../ipc', async (original) => {
  const real = await original<typeof import('../ipc')>()
  return {
    ...real,
    syncConflicts: async () =>
      state.clash
        ? [{ id: 'clash:t2', record_kind: 'observation_case', record_id: 'k1', person_id: 'p1', who: '张三', field: 'status',
            kept: 'release', lost: 'lose', origin: 'device', can_keep_lost: true,
            kept_detail: '2026-12-07 党支部笔记本', lost_detail: '2026-12-07 王强' }]
        : state.open
        ? [{ id: 'c1', record_kind: 'person', record_id: 'p1', person_id: 'p1', who: '李四', field: 'phone',
            kept: '137****2222', lost: '139****1111', origin: 'device', can_keep_lost: true }]
        : [],
    syncSettleConflict: async (...args: unknown[]) => {
      state.settled.push(args)
      state.open = false
    },
  }
})

import ConflictsView from './ConflictsView.vue'
import { createAppI18n } from '../i18n'

describe('同步冲突', () => {
  it('names whose record and which field, shows both values, and empties the list when one is kept', async () => {
    setActivePinia(createPinia())
    const w = mount(ConflictsView, { global: { plugins: [createAppI18n()] }, attachTo: document.body })
    await flushPromises()
    const card = w.get('[data-testid="conflict-李四-phone"]')
    expect(card.text()).toContain('李四 · 手机号')
    expect(card.get('[data-testid="conflict-kept"]').text()).toBe('137****2222')
    expect(card.get('[data-testid="conflict-lost"]').text()).toBe('139****1111')
    expect(card.text()).toContain('本机改的值（未采用）')
    await card.get('[data-testid="conflict-use-lost"]').trigger('click')
    await flushPromises()
    expect(state.settled).toEqual([['c1', true]])
    expect(w.find('[data-testid="conflicts-none"]').exists()).toBe(true)
    w.unmount()
  })
})

describe('观察状态冲突', () => {
  it('shows the two status changes by name with when and who, and offers the other one', async () => {
    state.clash = true
    setActivePinia(createPinia())
    const w = mount(ConflictsView, { global: { plugins: [createAppI18n()] }, attachTo: document.body })
    await flushPromises()
    const card = w.get('[data-testid="conflict-张三-status"]')
    expect(card.text()).toContain('张三 · 观察状态')
    expect(card.get('[data-testid="conflict-kept"]').text()).toBe('解除观察 · 2026-12-07 党支部笔记本')
    expect(card.get('[data-testid="conflict-lost"]').text()).toBe('失访 · 2026-12-07 王强')
    expect(card.text()).toContain('另一台设备改的值（未采用）')
    expect(card.get('[data-testid="conflict-use-lost"]').text()).toContain('改用“失访”')
    w.unmount()
  })
})
