import { describe, expect, it } from 'vitest'
import { defineComponent, h, ref } from 'vue'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import TemperaturePad from './TemperaturePad.vue'
import { createAppI18n } from '../i18n'

/** The pad inside the gate's screen, which the idle lock hides (data-locked) behind the PIN. */
const Gate = defineComponent({
  props: { locked: Boolean },
  setup(props) {
    return () => h('main', { 'data-locked': props.locked }, [h(TemperaturePad, { title: '张三 · 进 · 体温' })])
  },
})

describe('the temperature pad behind the idle lock', () => {
  it('takes no digits while the gate is locked, and takes them again once it is not', async () => {
    setActivePinia(createPinia())
    const locked = ref(true)
    const w = mount({ setup: () => () => h(Gate, { locked: locked.value }) }, { global: { plugins: [createAppI18n()] }, attachTo: document.body })
    await flushPromises()
    const press = (key: string) => window.dispatchEvent(new KeyboardEvent('keydown', { key }))
    for (const k of '1234') press(k)
    await flushPromises()
    expect(w.get('[data-testid="temperature-value"]').text()).not.toContain('1234')
    locked.value = false
    await flushPromises()
    for (const k of '36.5') press(k)
    await flushPromises()
    expect(w.get('[data-testid="temperature-value"]').text()).toContain('36.5')
    w.unmount()
  })
})

describe('the temperature pad', () => {
  it('clears what was typed in one tap', async () => {
    setActivePinia(createPinia())
    const w = mount(TemperaturePad, { props: { title: '体温' }, global: { plugins: [createAppI18n()] }, attachTo: document.body })
    await flushPromises()
    const clear = w.get('[data-testid="temperature-clear"]')
    expect(clear.attributes('disabled')).toBeDefined()
    for (const k of '38.5') window.dispatchEvent(new KeyboardEvent('keydown', { key: k }))
    await flushPromises()
    expect(w.get('[data-testid="temperature-value"]').text()).toContain('38.5')
    expect(clear.text()).toBe('清除')
    await clear.trigger('click')
    expect(w.get('[data-testid="temperature-value"]').text()).toBe('— ℃')
    w.unmount()
  })
})
