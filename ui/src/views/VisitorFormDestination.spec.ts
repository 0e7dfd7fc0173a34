import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'

vi.mock('../ipc', async (original) => {
  const real = await original<typeof import('../ipc')>()
  return {
    ...real,
    // The core refuses a destination its rules do not take, at its own field.
    gateCheckVisitor: async (v: { destination: string }) =>
      v.destination.includes('\u0007')
        ? [{ field: 'destination', code: 'control_character', severity: 'error', message: '去往 / destination 含有控制字符', message_en: 'destination has a control character' }]
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
    // The field takes no more than the record's 40 characters: typing stops there.
    await w.get('[data-testid="visitor-destination"] input').setValue('3号楼'.repeat(20))
    expect((w.get('[data-testid="visitor-destination"] input').element as HTMLInputElement).value).toHaveLength(40)
    await w.get('[data-testid="visitor-destination"] input').setValue('3号楼\u0007')
    await w.get('[data-testid="visitor-next"]').trigger('click')
    await flushPromises()
    expect(w.get('[data-testid="visitor-destination"]').text()).toContain('控制字符')
    expect(w.find('[data-testid="temperature-pad"]').exists()).toBe(false)
    // Editing the field takes its message away; the next check finds nothing and the pad opens.
    await w.get('[data-testid="visitor-destination"] input').setValue('3号楼2单元')
    await flushPromises()
    expect(w.get('[data-testid="visitor-destination"]').text()).not.toContain('控制字符')
    await w.get('[data-testid="visitor-next"]').trigger('click')
    await flushPromises()
    expect(w.find('[data-testid="visitor-destination"]').exists()).toBe(false)
    w.unmount()
  })
})
