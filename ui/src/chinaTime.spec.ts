import { describe, expect, it } from 'vitest'
import { chinaClock, chinaDate } from './chinaTime'

describe('chinaDate', () => {
  it('is the China day between 00:00 and 08:00 China time, when the UTC date is still yesterday', () => {
    // 2026-12-01 02:30 in Beijing is 2026-11-30 18:30 UTC.
    expect(chinaDate(new Date('2026-11-30T18:30:00Z'))).toBe('2026-12-01')
  })
  it('is the same day as UTC in the afternoon', () => {
    expect(chinaDate(new Date('2026-12-01T07:59:00Z'))).toBe('2026-12-01')
  })
  it('turns at midnight China time', () => {
    expect(chinaDate(new Date('2026-12-01T15:59:59Z'))).toBe('2026-12-01')
    expect(chinaDate(new Date('2026-12-01T16:00:00Z'))).toBe('2026-12-02')
  })
})

describe('chinaClock', () => {
  it('is China time on a 24-hour clock, in any UI language', () => {
    expect(chinaClock('2026-12-01T07:41:00Z')).toBe('15:41')
    expect(chinaClock(new Date('2026-11-30T16:05:00Z'))).toBe('00:05')
  })
})
