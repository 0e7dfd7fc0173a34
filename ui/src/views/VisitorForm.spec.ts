import { describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import VisitorForm from './VisitorForm.vue'
import { createAppI18n } from '../i18n'

async function mounted(typed: string) {
  setActivePinia(createPinia())
  const wrapper = mount(VisitorForm, { props: { typed }, global: { plugins: [createAppI18n()] } })
  await flushPromises()
  return wrapper
}

const value = (w: Awaited<ReturnType<typeof mounted>>, testid: string) =>
  (w.get(`[data-testid="${testid}"] input`).element as HTMLInputElement).value

describe('登记外来人员 after a search that found nobody', () => {
  it('brings what was typed to its field: an ID number, a mobile number or a name', async () => {
    let w = await mounted('11010519491231002x')
    expect(value(w, 'visitor-doc')).toBe('11010519491231002X')
    w.unmount()
    w = await mounted('13800138000')
    expect(value(w, 'visitor-phone')).toBe('13800138000')
    w.unmount()
    w = await mounted('王五')
    expect(value(w, 'visitor-name')).toBe('王五')
    w.unmount()
    // Pinyin initials or a phone's last digits are no field's whole value.
    w = await mounted('ww')
    expect(value(w, 'visitor-name')).toBe('')
    w.unmount()
  })
})
