import { afterEach, describe, expect, it, vi } from 'vitest'

const state = vi.hoisted(() => ({
  revealed: [] as string[],
  revealFails: false,
  toasts: [] as string[],
  copied: [] as string[],
}))

vi.mock('vant', () => ({
  // The dialog's second button (打开所在文件夹) rejects the dialog's promise.
  showDialog: async () => {
    throw new Error('cancel')
  },
  showToast: (o: { message: string }) => {
    state.toasts.push(o.message)
  },
}))

vi.mock('./ipc', () => ({
  exportReveal: async (name: string) => {
    if (state.revealFails) throw { code: 'reveal_failed' }
    state.revealed.push(name)
  },
}))

import { showExported } from './exported'

const t = (key: string, values?: Record<string, unknown>) => `${key}${values ? JSON.stringify(values) : ''}`
const result = { rows: 3, voided_left_out: 1, file_name: '出入记录-2026-12-01.xlsx', folder: '/home/kadian/下载', path: '' }

afterEach(() => {
  state.revealed = []
  state.toasts = []
  state.copied = []
  state.revealFails = false
})

describe('an export, shown', () => {
  it('opens the file manager at the exported file', async () => {
    await showExported(t, result as never)
    expect(state.revealed).toEqual(['出入记录-2026-12-01.xlsx'])
    expect(state.toasts).toEqual([])
  })

  it('copies and says the folder when no file manager answers', async () => {
    state.revealFails = true
    Object.assign(navigator, { clipboard: { writeText: async (s: string) => void state.copied.push(s) } })
    await showExported(t, result as never)
    expect(state.copied).toEqual(['/home/kadian/下载'])
    expect(state.toasts).toEqual(['export.copied{"folder":"/home/kadian/下载"}'])
  })
})
