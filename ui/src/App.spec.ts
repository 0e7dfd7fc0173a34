import { beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import App from './App.vue'
import QrScanner from './components/QrScanner.vue'
import { createAppI18n } from './i18n'

function mountApp() {
  const pinia = createPinia()
  setActivePinia(pinia)
  return mount(App, { global: { plugins: [pinia, createAppI18n()] } })
}

describe('App outside the app (a plain browser: no device)', () => {
  beforeEach(() => {
    document.documentElement.lang = 'zh-CN'
  })

  it('asks for enrolment, in Chinese by default', async () => {
    const wrapper = mountApp()
    await flushPromises()
    expect(wrapper.text()).toContain('卡点登记')
    expect(wrapper.text()).toContain('设备尚未注册')
    expect(wrapper.text()).toContain('注册这台设备')
    expect(wrapper.find('[data-testid="enrol-code"]').exists()).toBe(true)
    expect(wrapper.text()).toContain('版本 browser')
    wrapper.unmount()
  })

  it('switches to English and back', async () => {
    const wrapper = mountApp()
    await flushPromises()
    await wrapper.get('[data-testid="lang-en"]').trigger('click')
    await flushPromises()
    expect(wrapper.text()).toContain('Checkpoint Log')
    expect(wrapper.text()).toContain('Enrol this device')
    expect(wrapper.text()).not.toContain('设备尚未注册')
    expect(document.documentElement.lang).toBe('en')
    await wrapper.get('[data-testid="lang-zh-CN"]').trigger('click')
    expect(wrapper.text()).toContain('设备尚未注册')
    wrapper.unmount()
  })

  it('says at each field what is missing, and why enrolment failed', async () => {
    const wrapper = mountApp()
    await flushPromises()
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    // Empty fields: said where they are, nothing sent (no stored placeholder as the name).
    const errors = wrapper.findAll('.van-field__error-message').map((e) => e.text())
    expect(errors).toEqual(['请填写服务器地址，如 https://kadian.example.cn', '请填写注册码', '请给这台设备起个名字，如：八一新苑东门平板'])
    expect(wrapper.find('[data-testid="enrol-error"]').exists()).toBe(false)
    await wrapper.get('[data-testid="enrol-server"] input').setValue('http://127.0.0.1:9')
    await wrapper.get('[data-testid="enrol-code"] input').setValue('ABCD-EFGH-JKLM')
    await wrapper.get('[data-testid="enrol-name"] input').setValue('东门平板')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.findAll('.van-field__error-message')).toHaveLength(0)
    expect(wrapper.get('[data-testid="enrol-error"]').text()).toBe('只能在卡点登记应用里使用')
    wrapper.unmount()
  })

  it('fills the server address and the code from a scanned enrolment link', async () => {
    const wrapper = mountApp()
    await flushPromises()
    // A scanner types the link key by key: nothing is read halfway; its Enter reads it whole.
    const field = wrapper.get('[data-testid="enrol-code"] input')
    await field.setValue('kadian://enrol?server=https%3A%2F%2Fkadian%2Eexample%2Ecn&code=A')
    await flushPromises()
    expect((wrapper.get('[data-testid="enrol-server"] input').element as HTMLInputElement).value).toBe('')
    await field.setValue('kadian://enrol?server=https%3A%2F%2Fkadian%2Eexample%2Ecn&code=ABCD%2DEFGH%2DJKLM')
    await field.trigger('keydown', { key: 'Enter' })
    await flushPromises()
    expect((wrapper.get('[data-testid="enrol-server"] input').element as HTMLInputElement).value).toBe('https://kadian.example.cn')
    expect((wrapper.get('[data-testid="enrol-code"] input').element as HTMLInputElement).value).toBe('ABCD-EFGH-JKLM')
    expect(wrapper.get('[data-testid="enrol-from-link"]').text()).toContain('https://kadian.example.cn')
    wrapper.unmount()
  })

  it('scans with the camera where there is one, and says what else to do where there is none', async () => {
    const wrapper = mountApp()
    await flushPromises()
    // jsdom has no camera API: the scanner opens, says so, and 关闭 gets out.
    await wrapper.get('[data-testid="enrol-scan"]').trigger('click')
    await flushPromises()
    const problem = wrapper.get('[data-testid="qr-problem"]').text()
    expect(problem).toContain('不能用摄像头扫码')
    expect(problem).toContain('扫码枪')
    await wrapper.get('[data-testid="qr-close"]').trigger('click')
    await flushPromises()
    expect(wrapper.getComponent(QrScanner).props('show')).toBe(false)
    // What the camera reads fills the fields as a USB scanner's link does; anything else is said.
    wrapper.getComponent(QrScanner).vm.$emit('scanned', 'kadian://enrol?server=https%3A%2F%2Fkadian%2Eexample%2Ecn&code=ABCD%2DEFGH%2DJKLM')
    await flushPromises()
    expect((wrapper.get('[data-testid="enrol-server"] input').element as HTMLInputElement).value).toBe('https://kadian.example.cn')
    expect((wrapper.get('[data-testid="enrol-code"] input').element as HTMLInputElement).value).toBe('ABCD-EFGH-JKLM')
    wrapper.getComponent(QrScanner).vm.$emit('scanned', 'https://weixin.qq.com/x')
    await flushPromises()
    expect(wrapper.get('[data-testid="enrol-error"]').text()).toBe('扫到的不是卡点登记的注册二维码：https://weixin.qq.com/x')
    expect((wrapper.get('[data-testid="enrol-code"] input').element as HTMLInputElement).value).toBe('')
    // A QR printed without the server address holds the code alone: it goes into its field.
    wrapper.getComponent(QrScanner).vm.$emit('scanned', '7K3Q-M9XD-2HPA')
    await flushPromises()
    expect((wrapper.get('[data-testid="enrol-code"] input').element as HTMLInputElement).value).toBe('7K3Q-M9XD-2HPA')
    expect(wrapper.find('[data-testid="enrol-error"]').exists()).toBe(false)
    wrapper.unmount()
  })
})
