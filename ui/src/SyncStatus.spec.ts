import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'

vi.mock('./ipc', async (original) => {
  const real = await original<typeof import('./ipc')>()
  return {
    ...real,
    appInfo: async () => ({ name: 'kadian', version: '0.1.0' }),
    deviceEnrolment: async () => ({
      server_url: 'http://127.0.0.1:8470',
      role: 'volunteer',
      scope: { street: '411402001', community: '411402001018', compound: 'c1', checkpoint: 'k1' },
      checkpoint_name: '东门',
    }),
    syncStatus: async () => ({
      online: false,
      last_success: null,
      pending: 3,
      rejected: 0,
      reenrol_needed: false,
      failures: [['offline', 2]],
      clock_skew_ms: null,
    }),
  }
})

import App from './App.vue'
import { createAppI18n } from './i18n'

describe('enrolment and sync status', () => {
  it('shows where the device is enrolled and what waits to sync, in Chinese', async () => {
    const pinia = createPinia()
    setActivePinia(pinia)
    const wrapper = mount(App, { global: { plugins: [pinia, createAppI18n()] } })
    await flushPromises()
    expect(wrapper.get('[data-testid="enrol-status"]').text()).toBe('已注册：东门')
    const sync = wrapper.get('[data-testid="sync-status"]')
    expect(sync.text()).toContain('离线')
    expect(sync.text()).toContain('待同步 3 条')
    expect(sync.text()).toContain('尚未同步')
    expect(sync.classes()).toContain('offline')
    wrapper.unmount()
  })
})
