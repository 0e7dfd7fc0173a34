import { describe, expect, it } from 'vitest'
import QRCode from 'qrcode'
import { cameraProblem, decodeQr, type Frame } from './qrScan'

/** A QR code drawn as a camera would see it: 4 px per module, a quiet zone, optionally inverted. */
function frameOf(text: string, inverted = false): Frame {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' })
  const scale = 4
  const quiet = 4
  const n = qr.modules.size
  const size = (n + 2 * quiet) * scale
  const data = new Uint8ClampedArray(size * size * 4)
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const mx = Math.floor(x / scale) - quiet
      const my = Math.floor(y / scale) - quiet
      const dark = mx >= 0 && my >= 0 && mx < n && my < n && qr.modules.get(mx, my) === 1
      const v = dark !== inverted ? 0 : 255
      const i = (y * size + x) * 4
      data[i] = data[i + 1] = data[i + 2] = v
      data[i + 3] = 255
    }
  }
  return { data, width: size, height: size }
}

const link =
  'kadian://enrol?server=https%3A%2F%2Fkadian.example.cn%3A8443&code=ABCD-EFGH-JKLM&fp=' + 'ab'.repeat(32)

describe('reading an enrolment QR from a camera frame', () => {
  it('reads the link, dark on light and light on dark (a QR on a dark terminal)', () => {
    expect(decodeQr(frameOf(link))).toBe(link)
    expect(decodeQr(frameOf(link, true))).toBe(link)
  })

  it('finds nothing in a blank frame', () => {
    const blank = new Uint8ClampedArray(200 * 200 * 4).fill(255)
    expect(decodeQr({ data: blank, width: 200, height: 200 })).toBeNull()
  })

  it('names why a camera could not be used', () => {
    expect(cameraProblem({ name: 'NotAllowedError' })).toBe('denied')
    expect(cameraProblem({ name: 'NotFoundError' })).toBe('noCamera')
    expect(cameraProblem({ name: 'NotReadableError' })).toBe('noCamera')
    expect(cameraProblem(new Error('x'))).toBe('failed')
    expect(cameraProblem(null)).toBe('failed')
  })
})
