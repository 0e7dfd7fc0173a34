import { beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import App from './App.vue'
import { createAppI18n } from './i18n'

function mountApp() {
  const pinia = createPinia()
  setActivePinia(pinia)
  return mount(App, { global: { plugins: [pinia, createAppI18n()] } })
}

describe('App start screen', () => {
  beforeEach(() => {
    document.documentElement.lang = 'zh-CN'
  })

  it('renders the Chinese start screen by default', async () => {
    const wrapper = mountApp()
    await flushPromises()
    expect(wrapper.text()).toContain('卡点登记')
    expect(wrapper.text()).toContain('设备尚未注册')
    expect(wrapper.get('[data-testid="start"]').text()).toBe('开始')
    expect(wrapper.text()).toContain('版本 browser')
  })

  it('switches to English when the English button is pressed', async () => {
    const wrapper = mountApp()
    await wrapper.get('[data-testid="lang-en"]').trigger('click')
    await flushPromises()
    expect(wrapper.text()).toContain('Checkpoint Log')
    expect(wrapper.text()).toContain('This device is not enrolled yet')
    expect(wrapper.get('[data-testid="start"]').text()).toBe('Start')
    expect(wrapper.text()).not.toContain('设备尚未注册')
    expect(document.documentElement.lang).toBe('en')

    await wrapper.get('[data-testid="lang-zh-CN"]').trigger('click')
    expect(wrapper.text()).toContain('设备尚未注册')
  })
})
