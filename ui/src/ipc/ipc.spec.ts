import { afterEach, describe, expect, it, vi } from 'vitest'

const { invoke } = vi.hoisted(() => ({ invoke: vi.fn() }))
vi.mock('@tauri-apps/api/core', () => ({ invoke }))

import { appInfo, FALLBACK_APP_INFO, isTauri } from './index'

describe('ipc', () => {
  afterEach(() => {
    delete (window as unknown as Record<string, unknown>).__TAURI_INTERNALS__
    invoke.mockReset()
  })

  it('returns the fallback outside Tauri without calling invoke', async () => {
    expect(isTauri()).toBe(false)
    await expect(appInfo()).resolves.toEqual(FALLBACK_APP_INFO)
    expect(invoke).not.toHaveBeenCalled()
  })

  it('calls the app_info command inside Tauri', async () => {
    ;(window as unknown as Record<string, unknown>).__TAURI_INTERNALS__ = {}
    invoke.mockResolvedValue({ name: 'kadian', version: '1.2.3' })
    expect(isTauri()).toBe(true)
    await expect(appInfo()).resolves.toEqual({ name: 'kadian', version: '1.2.3' })
    expect(invoke).toHaveBeenCalledWith('app_info')
  })
})
