import jsQR from 'jsqr'

/** One camera frame's pixels, as a canvas gives them (RGBA, row by row). */
export interface Frame {
  data: Uint8ClampedArray
  width: number
  height: number
}

/**
 * The text of the QR code in a frame, or `null` when none reads. Both dark-on-light and
 * light-on-dark codes are tried: an enrolment QR shown on a dark terminal is light-on-dark.
 * (jsQR: a maintained-enough port of ZXing's QR reader, no network, no WASM.)
 */
export function decodeQr(frame: Frame): string | null {
  const found = jsQR(frame.data, frame.width, frame.height, { inversionAttempts: 'attemptBoth' })
  return found?.data ? found.data : null
}

/** Why the camera could not be used, as the scanner says it. */
export type CameraProblem = 'unsupported' | 'denied' | 'noCamera' | 'failed'

/** The problem a failed `getUserMedia` stands for (DOMException names, per the Media Capture spec). */
export function cameraProblem(e: unknown): CameraProblem {
  const name = (e as { name?: string } | null)?.name ?? ''
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'denied'
  if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'NotReadableError') return 'noCamera'
  return 'failed'
}

/** True where this web view offers a camera API at all (WebKitGTK only with media streams enabled). */
export function cameraApi(): boolean {
  return typeof navigator !== 'undefined' && typeof navigator.mediaDevices?.getUserMedia === 'function'
}
