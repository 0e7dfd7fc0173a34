import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'

vi.mock('../ipc', async (original) => {
  const real = await original<typeof import('../ipc')>()
  return {
    ...real,
    reviewPerson: async (id: string) => ({
      id, name: '王芳', category: 'visitor', document_type: 'resident_id',
      document_number: '110105********0021', phone: '138****800', can_reveal: true, address: '',
      passages: [], readings: [], travels: [],
      to_check: id === 'warned'
        ? [{ field: 'id_number', code: 'id_checksum', severity: 'warning', message: '身份证号码校验位不符，请核对', message_en: 'The ID number check digit does not match' }]
        : [],
    }),
  }
})

import PersonSheet from './PersonSheet.vue'
import { createAppI18n } from '../i18n'

describe('the person page', () => {
  it('shows staff the warnings a volunteer went on with, and nothing when there are none', async () => {
    setActivePinia(createPinia())
    const w = mount(PersonSheet, { props: { personId: 'warned' }, global: { plugins: [createAppI18n()] } })
    await flushPromises()
    const block = w.get('[data-testid="person-to-check"]')
    expect(block.text()).toContain('请与本人核对')
    expect(block.get('[data-code="id_checksum"]').text()).toContain('校验位')
    await w.setProps({ personId: 'clean' })
    await flushPromises()
    expect(w.find('[data-testid="person-to-check"]').exists()).toBe(false)
    w.unmount()
  })
})
