import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'

vi.mock('../ipc', async (original) => {
  const real = await original<typeof import('../ipc')>()
  return {
    ...real,
    // The core refuses a destination longer than 40 characters, at its own field.
    gateCheckVisitor: async (v: { destination: string }) =>
      [...v.destination].length > 40
        ? [{ field: 'destination', code: 'too_long', severity: 'error', message: '去往 / destination 最多 40 个字', message_en: 'destination: at most 40 characters' }]
        : [],
  }
})

import VisitorForm from './VisitorForm.vue'
import { createAppI18n } from '../i18n'

describe('the visitor form: 去往 is a field of its own', () => {
  it("says a refused destination at its field, keeps the form, and goes on once it is fixed", async () => {
    setActivePinia(createPinia())
    const w = mount(VisitorForm, { props: { typed: '' }, global: { plugins: [createAppI18n()] } })
    await flushPromises()
    await w.get('[data-testid="visitor-name"] input').setValue('赵六')
    await w.get('[data-testid="visitor-phone"] input').setValue('13900139000')
    await w.get('[data-testid="visitor-destination"] input').setValue('3号楼'.repeat(20))
    await w.get('[data-testid="visitor-next"]').trigger('click')
    await flushPromises()
    expect(w.get('[data-testid="visitor-destination"]').text()).toContain('最多 40 个字')
    expect(w.find('[data-testid="temperature-pad"]').exists()).toBe(false)
    // Editing the field takes its message away; the next check finds nothing and the pad opens.
    await w.get('[data-testid="visitor-destination"] input').setValue('3号楼2单元')
    await flushPromises()
    expect(w.get('[data-testid="visitor-destination"]').text()).not.toContain('最多 40 个字')
    await w.get('[data-testid="visitor-next"]').trigger('click')
    await flushPromises()
    expect(w.find('[data-testid="visitor-destination"]').exists()).toBe(false)
    w.unmount()
  })
})
