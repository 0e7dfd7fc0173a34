import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'

vi.mock('../ipc', async (original) => {
  const real = await original<typeof import('../ipc')>()
  return {
    ...real,
    // The core says how the ID number will be stored (once it is typed as stored, nothing).
    gateCheckVisitor: async (v: { document_number: string }) =>
      v.document_number === '11010519491231002X'
        ? []
        : [{
            field: 'id_number', code: 'normalised', severity: 'info', stored: '11010519491231002X',
            message: '将保存为：11010519491231002X', message_en: 'Will be stored as: 11010519491231002X',
          }],
  }
})

import VisitorForm from './VisitorForm.vue'
import { createAppI18n } from '../i18n'

describe('the visitor form says how a value will be stored', () => {
  it('puts the stored form in the field, says so in blue, and goes on at the next tap', async () => {
    setActivePinia(createPinia())
    const w = mount(VisitorForm, { props: { typed: '' }, global: { plugins: [createAppI18n()] } })
    await flushPromises()
    await w.get('[data-testid="visitor-name"] input').setValue('赵六')
    await w.get('[data-testid="visitor-doc"] input').setValue('11010519491231002x')
    await w.get('[data-testid="visitor-next"]').trigger('click')
    await flushPromises()
    const doc = w.get('[data-testid="visitor-doc"]')
    expect((doc.get('input').element as HTMLInputElement).value).toBe('11010519491231002X')
    expect(doc.text()).toContain('将保存为：11010519491231002X')
    expect(doc.classes()).toContain('noted')
    expect(doc.classes()).not.toContain('warned')
    // Nothing to decide (no 仍然继续); the form stayed once, the next tap takes the temperature.
    expect(w.find('[data-testid="visitor-anyway"]').exists()).toBe(false)
    await w.get('[data-testid="visitor-next"]').trigger('click')
    await flushPromises()
    expect(w.find('[data-testid="visitor-doc"]').exists()).toBe(false)
    w.unmount()
  })
})
