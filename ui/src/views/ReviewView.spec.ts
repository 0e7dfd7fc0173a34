import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'

const calls = vi.hoisted(() => ({ passages: 0 }))

vi.mock('../ipc', async (original) => {
  const real = await original<typeof import('../ipc')>()
  return {
    ...real,
    reviewPassages: async () => {
      calls.passages += 1
      return {
        truncated: false,
        rows: calls.passages > 1
          ? [{ id: 'p2', person_id: null, fever: false, local_date: '2026-12-06', local_time: '09:00', name: '别的卡点来的', voided: false, direction: 'in', celsius: 36.5, first_celsius: null, checkpoint_name: '西门', plate: null, purpose: null, destination: null, recorded_by: '王' }]
          : [],
      }
    },
  }
})

import ReviewView from './ReviewView.vue'
import { createAppI18n } from '../i18n'
import { useAppStore } from '../stores/app'

describe('the desk lists', () => {
  it('load again after each sync, so what other devices sent shows without a click', async () => {
    setActivePinia(createPinia())
    const w = mount(ReviewView, { global: { plugins: [createAppI18n()] } })
    await flushPromises()
    expect(calls.passages).toBe(1)
    const store = useAppStore()
    store.sync = { ...(store.sync ?? {}), last_success: '2026-12-06T01:00:00Z' } as typeof store.sync
    await flushPromises()
    expect(calls.passages).toBe(2)
    expect(w.get('[data-testid="review-table"]').text()).toContain('别的卡点来的')
    w.unmount()
  })
})
