import { afterEach, describe, expect, it, vi } from 'vitest'

const { invoke } = vi.hoisted(() => ({ invoke: vi.fn() }))
vi.mock('@tauri-apps/api/core', () => ({ invoke }))

import { appInfo, FALLBACK_APP_INFO, gateRegister, isTauri } from './index'

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
    expect(invoke).toHaveBeenCalledWith('app_info', undefined)
  })

  it('passes command errors through as {code, message} and wraps anything else', async () => {
    ;(window as unknown as Record<string, unknown>).__TAURI_INTERNALS__ = {}
    const err = { code: 'not_signed_in', field: null, message: '请先签到', message_en: 'Sign in first', notices: [] }
    invoke.mockRejectedValueOnce(err)
    await expect(gateRegister('p1', 'in', '36.5', null)).rejects.toEqual(err)
    expect(invoke).toHaveBeenCalledWith('gate_register', { personId: 'p1', direction: 'in', temperature: '36.5', travel: null })
    invoke.mockRejectedValueOnce('command gate_register not found')
    await expect(gateRegister('p1', 'in', '36.5', null)).rejects.toMatchObject({ code: 'internal', message: 'command gate_register not found' })
  })

  it('refuses device calls in a plain browser with no_device', async () => {
    await expect(gateRegister('p1', 'in', '36.5', null)).rejects.toMatchObject({ code: 'no_device' })
    expect(invoke).not.toHaveBeenCalled()
  })
})
