import { describe, expect, it, vi } from 'vitest'
import { defineComponent, h, ref } from 'vue'
import { mount } from '@vue/test-utils'
import { usePhysicalKeys } from './physicalKeys'

describe('usePhysicalKeys', () => {
  it('types digits, deletes, submits, and leaves text fields alone', async () => {
    const value = ref('')
    const onEnter = vi.fn()
    const wrapper = mount(
      defineComponent({
        setup() {
          usePhysicalKeys(value, { allowed: /^[0-9.]$/, max: 4, onEnter })
          return () => h('input', { 'data-testid': 'other' })
        },
      }),
      { attachTo: document.body },
    )
    for (const key of ['3', '6', '.', '5', '9', 'a']) window.dispatchEvent(new KeyboardEvent('keydown', { key }))
    expect(value.value).toBe('36.5')
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Backspace' }))
    expect(value.value).toBe('36.')
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }))
    expect(onEnter).toHaveBeenCalledOnce()
    wrapper.get('[data-testid="other"]').element.dispatchEvent(new KeyboardEvent('keydown', { key: '7', bubbles: true }))
    expect(value.value).toBe('36.')
    wrapper.unmount()
    window.dispatchEvent(new KeyboardEvent('keydown', { key: '1' }))
    expect(value.value).toBe('36.')
  })
})
