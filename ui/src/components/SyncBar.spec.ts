import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import SyncBar from './SyncBar.vue'
import { createAppI18n } from '../i18n'
import { useAppStore } from '../stores/app'

const status = {
  online: true, last_success: '2026-11-30T01:02:00Z' as string | null, pending: 0, pending_entries: 0, rejected: 0, quarantined: 0, reenrol_needed: false,
  failures: [] as [string, number][], clock_skew_ms: null, syncing: false, received: 0,
}

function bar(sync: typeof status) {
  const pinia = createPinia()
  setActivePinia(pinia)
  useAppStore().sync = sync
  return mount(SyncBar, { global: { plugins: [pinia, createAppI18n()] } })
}

describe('sync bar', () => {
  it('counts the changes a long round is receiving, then shows the last sync again', async () => {
    const receiving = bar({ ...status, syncing: true, received: 12345 })
    expect(receiving.get('[data-testid="sync-receiving"]').text()).toBe('正在接收 12,345 条…')
    const done = bar({ ...status, syncing: false, received: 140000 })
    expect(done.find('[data-testid="sync-receiving"]').exists()).toBe(false)
    expect(done.text()).toContain('上次同步')
  })

  it('says 连接中 right after enrolment, and 离线 only once a round has failed', () => {
    const fresh = { ...status, online: false, last_success: null, syncing: true }
    expect(bar(fresh).get('strong').text()).toBe('连接中…')
    expect(bar(fresh).get('[data-testid="sync-status"]').classes()).not.toContain('offline')
    const failed = bar({ ...fresh, failures: [['offline', 1]] as [string, number][] })
    expect(failed.get('strong').text()).toBe('离线')
    expect(failed.get('[data-testid="sync-status"]').classes()).toContain('offline')
    expect(bar({ ...fresh, online: true }).get('strong').text()).toBe('在线')
  })

  it('shows the changes this device could not take, and hides the button when there are none', () => {
    expect(bar(status).find('[data-testid="sync-quarantined"]').exists()).toBe(false)
    const some = bar({ ...status, quarantined: 3 })
    expect(some.get('[data-testid="sync-quarantined"]').text()).toBe('3 条未能接收')
  })
})
