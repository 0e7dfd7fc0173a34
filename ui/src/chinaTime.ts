// China's calendar day, whatever the machine's time zone: every "today" in the UI is the day in
// Asia/Shanghai (UTC+8, no daylight saving), as the core's is. Between 00:00 and 08:00 China time
// the UTC date is still yesterday; a returnee off the night train arrives today, not yesterday.

const DAY = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
})

/** The China date of `at` (default: now) as `YYYY-MM-DD`. */
export function chinaDate(at: Date = new Date()): string {
  // en-CA formats as 2026-12-01; the parts are joined explicitly so no locale can reorder them.
  const parts = Object.fromEntries(DAY.formatToParts(at).map((p) => [p.type, p.value]))
  return `${parts.year}-${parts.month}-${parts.day}`
}

/** Today in China, `YYYY-MM-DD`. */
export const chinaToday = (): string => chinaDate()

const CLOCK = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Asia/Shanghai',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
})

/** China time of an instant as `HH:MM` on a 24-hour clock (15:41, never 03:41 PM). */
export function chinaClock(at: Date | string): string {
  return CLOCK.format(typeof at === 'string' ? new Date(at) : at)
}
