import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'

const state = vi.hoisted(() => ({ calls: [] as unknown[], linked: false }))

const record = (id: string, category: string) => ({
  person_id: id, name: '张三', category, document: category === 'visitor' ? null : '4114**********1234',
  phone: '138****8000', compound: '八一新苑', address: category === 'visitor' ? null : '3号楼1单元101', last_passage: null,
})
const pair = () => ({ reason: 'same_name_phone', repeat: record('v1', 'visitor'), kept: record('r1', 'resident'), verdict: null, said: null, note: null })

vi.mock('../ipc', async (original) => {
  const real = await original<typeof import('../ipc')>()
  const review = () => state.linked
    ? { candidates: [], more: 0, answered: [{ ...pair(), reason: null, verdict: 'same', said: '2026-12-07 10:00 王芳', note: '电话核实' }] }
    : { candidates: [pair()], more: 0, answered: [] }
  return {
    ...real,
    duplicateReview: async () => review(),
    duplicateDecide: async (d: { verdict: string }) => {
      state.calls.push(d)
      state.linked = d.verdict === 'same'
      return review()
    },
  }
})

import DuplicateReview from './DuplicateReview.vue'
import { createAppI18n } from '../i18n'

describe('查重', () => {
  it('shows a pair side by side, links it as one person with a note, and undoes the link', async () => {
    setActivePinia(createPinia())
    const w = mount(DuplicateReview, { global: { plugins: [createAppI18n()] } })
    await flushPromises()
    const card = w.get('[data-testid="duplicate-张三"]')
    expect(card.text()).toContain('姓名电话相同')
    expect(card.text()).toContain('访客')
    expect(card.text()).toContain('3号楼1单元101')
    await card.get('input').setValue('电话核实')
    await w.get('[data-testid="duplicate-same-张三"]').trigger('click')
    await flushPromises()
    expect(state.calls[0]).toEqual({ person_id: 'v1', same_as: 'r1', verdict: 'same', note: '电话核实' })
    expect(w.find('[data-testid="duplicate-张三"]').exists()).toBe(false)
    expect(w.get('[data-testid="duplicate-answered-张三"]').text()).toContain('同一人')
    await w.get('[data-testid="duplicate-undo-张三"]').trigger('click')
    await flushPromises()
    expect(state.calls[1]).toMatchObject({ person_id: 'v1', same_as: 'r1', verdict: 'undone' })
    expect(w.find('[data-testid="duplicate-张三"]').exists()).toBe(true)
  })
})
