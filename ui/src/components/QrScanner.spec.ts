import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import QrScanner from './QrScanner.vue'
import { createAppI18n } from '../i18n'

/** A camera that answers when told to, and records whether its track was stopped. */
function slowCamera() {
  const track = { stop: vi.fn() }
  let answer: (s: MediaStream) => void = () => {}
  const getUserMedia = vi.fn(() => new Promise<MediaStream>((r) => (answer = r)))
  Object.defineProperty(navigator, 'mediaDevices', { value: { getUserMedia }, configurable: true })
  return { track, answer: () => answer({ getTracks: () => [track] } as unknown as MediaStream), getUserMedia }
}

afterEach(() => {
  Object.defineProperty(navigator, 'mediaDevices', { value: undefined, configurable: true })
})

describe('the camera scanner', () => {
  it('turns a camera off that answers after the scanner was closed', async () => {
    const cam = slowCamera()
    const w = mount(QrScanner, { props: { show: true }, global: { plugins: [createAppI18n()] } })
    await flushPromises()
    expect(cam.getUserMedia).toHaveBeenCalledTimes(1)
    await w.setProps({ show: false })
    cam.answer()
    await flushPromises()
    expect(cam.track.stop).toHaveBeenCalled()
    w.unmount()
  })

  it('turns a camera off that answers after the screen went away', async () => {
    const cam = slowCamera()
    const w = mount(QrScanner, { props: { show: true }, global: { plugins: [createAppI18n()] } })
    await flushPromises()
    w.unmount()
    cam.answer()
    await flushPromises()
    expect(cam.track.stop).toHaveBeenCalled()
  })

  it('says the camera was refused, and what else to do', async () => {
    Object.defineProperty(navigator, 'mediaDevices', {
      value: { getUserMedia: () => Promise.reject(Object.assign(new Error('no'), { name: 'NotAllowedError' })) },
      configurable: true,
    })
    const w = mount(QrScanner, { props: { show: true }, global: { plugins: [createAppI18n()] } })
    await flushPromises()
    expect(w.get('[data-testid="qr-problem"]').text()).toContain('没有摄像头权限')
    w.unmount()
  })
})
