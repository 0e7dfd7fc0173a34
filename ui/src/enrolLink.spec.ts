import { describe, expect, it } from 'vitest'
import { parseEnrolLink } from './enrolLink'

describe('the enrolment link of a QR code', () => {
  it('gives the server address and the code', () => {
    // As `kadian-server enrol-code --server-url` writes it (every non-alphanumeric encoded).
    expect(
      parseEnrolLink(' kadian://enrol?server=https%3A%2F%2Fkadian%2Eexample%2Ecn%3A8443&code=ABCD%2DEFGH%2DJKLM\n'),
    ).toEqual({ server: 'https://kadian.example.cn:8443', code: 'ABCD-EFGH-JKLM', fingerprint: null })
    const fp = 'ab'.repeat(32)
    expect(parseEnrolLink(`kadian://enrol?server=https%3A%2F%2Fk&code=A&fp=${fp.toUpperCase()}`)?.fingerprint).toBe(fp)
    expect(parseEnrolLink('kadian://enrol?server=https%3A%2F%2Fk&code=A&fp=abc')).toBeNull()
  })

  it('leaves anything else alone', () => {
    expect(parseEnrolLink('ABCD-EFGH-JKLM')).toBeNull()
    expect(parseEnrolLink('kadian://enrol?code=ABCD')).toBeNull()
    expect(parseEnrolLink('kadian://enrol?server=javascript%3Aalert(1)&code=ABCD')).toBeNull()
    expect(parseEnrolLink('https://evil.example/enrol?server=https%3A%2F%2Fx&code=A')).toBeNull()
    // An address that shows one host and reaches another.
    expect(parseEnrolLink('kadian://enrol?server=https%3A%2F%2Fkadian.example.cn%40evil.example&code=A')).toBeNull()
    expect(parseEnrolLink('kadian://enrol?server=http%3A%2F%2Fevil.example%5C%40127.0.0.1&code=A')).toBeNull()
  })
})
