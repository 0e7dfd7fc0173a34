/**
 * The enrolment link an enrolment QR carries (`kadian-server enrol-code --server-url …`):
 * `kadian://enrol?server=https%3A%2F%2Fkadian.example.cn&code=ABCD-EFGH-JKLM&fp=<sha256 hex>`. A phone camera or a
 * USB scanner types it into the enrolment screen; this reads the server address and the code
 * from it. Anything else (a bare code, a typo) is `null`, and the field is left as typed.
 */
export function parseEnrolLink(text: string): { server: string; code: string; fingerprint: string | null } | null {
  const t = text.trim()
  if (!t.toLowerCase().startsWith('kadian://enrol')) return null
  let url: URL
  try {
    url = new URL(t)
  } catch {
    return null
  }
  const server = url.searchParams.get('server')?.trim() ?? ''
  const code = url.searchParams.get('code')?.trim() ?? ''
  // A plain address: no user name or password part and no backslash (both can show one host and
  // reach another), an ASCII host.
  if (!code || !/^https?:\/\/[A-Za-z0-9.\-[\]:]+(\/|$)/.test(server)) return null
  // The server key's SHA-256 (64 hex digits), when the street uses its own certificate; a
  // malformed one refuses the whole link rather than dropping the pin.
  const fp = url.searchParams.get('fp')?.trim().toLowerCase() ?? ''
  if (fp && !/^[0-9a-f]{64}$/.test(fp)) return null
  return { server, code, fingerprint: fp || null }
}
