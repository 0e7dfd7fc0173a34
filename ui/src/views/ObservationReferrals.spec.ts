import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'

const state = vi.hoisted(() => ({ calls: [] as unknown[][], status: 'open' as string }))

const row = () => ({
  id: 'r1', case_id: 'k1', name: '张三', compound: '八一新苑', address: '3号楼2单元301', responsible: '李红梅',
  source: 'visit', celsius: 38.2, symptoms: ['cough'], opened_at: '2026-12-07 09:12', waited_minutes: 135,
  opened_by: '李红梅', status: state.status, taken: state.status === 'open' ? null : '2026-12-07 09:30 张医生',
  disposition: null, disposed: null, note: null,
})

vi.mock('../ipc', async (original) => {
  const real = await original<typeof import('../ipc')>()
  return {
    ...real,
    observationReferrals: async (openOnly: boolean) => {
      state.calls.push(['list', openOnly])
      return [row()]
    },
    observationReferralTake: async (id: string) => {
      state.calls.push(['take', id])
      state.status = 'taken'
      return row()
    },
    observationReferralDispose: async (input: unknown) => {
      state.calls.push(['dispose', input])
      return row()
    },
  }
})

import ObservationReferrals from './ObservationReferrals.vue'
import { createAppI18n } from '../i18n'

describe('转诊', () => {
  it('shows who, why and how long they wait, takes one, and records the outcome with its note', async () => {
    setActivePinia(createPinia())
    const w = mount(ObservationReferrals, { global: { plugins: [createAppI18n()], stubs: { CaseSheet: true } } })
    await flushPromises()
    expect(w.get('[data-testid="referrals-waiting"]').text()).toBe('待接收 1 人')
    const card = w.get('[data-testid="referral-张三"]')
    expect(card.text()).toContain('八一新苑 3号楼2单元301')
    expect(card.text()).toContain('38.2 ℃')
    expect(card.text()).toContain('咳嗽')
    expect(card.text()).toContain('已等 2 小时 15 分')
    expect(card.text()).toContain('包保人 李红梅')
    await card.get('[data-testid="referral-take"]').trigger('click')
    await flushPromises()
    expect(state.calls).toContainEqual(['take', 'r1'])
    expect(w.get('[data-testid="referral-张三"]').attributes('data-status')).toBe('taken')
    await w.get('[data-testid="referral-note"]').setValue(' 市一院发热门诊 ')
    await w.get('[data-testid="referral-fever_clinic"]').trigger('click')
    await flushPromises()
    expect(state.calls).toContainEqual([
      'dispose',
      { referral_id: 'r1', disposition: 'fever_clinic', note: '市一院发热门诊', by: null },
    ])
    // Showing settled ones too asks again.
    await w.get('[data-testid="referrals-open-only"]').setValue(false)
    await flushPromises()
    expect(state.calls.filter((c) => c[0] === 'list').at(-1)).toEqual(['list', false])
    w.unmount()
  })
})
