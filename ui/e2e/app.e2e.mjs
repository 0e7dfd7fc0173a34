// End-to-end flows on the real app: the debug build of `kadian`, driven over WebDriver
// (tauri-driver from crates.io, built by xtask, + Debian's WebKitWebDriver), against a real
// kadian-server on a loopback port. Run by `cargo xtask e2e` (and `cargo xtask test`) under Xvfb,
// which prepares the server database and passes:
//   KADIAN_APP_BIN, TAURI_DRIVER, KADIAN_SERVER_BIN, KADIAN_DB, E2E_DIR, VOLUNTEER_CODE, COMPOUND_CODE,
//   COMMUNITY, COMPOUND, FIXTURE_EXPECTED (the roster fixture's expected rows), SCREENSHOTS (folder).
// Every device gets its own data folder (and XDG_DATA_HOME) under E2E_DIR.
import { spawn, execFileSync } from 'node:child_process'
import { createServer } from 'node:net'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import assert from 'node:assert/strict'
import { remote } from 'webdriverio'

const env = (k) => {
  const v = process.env[k]
  if (!v) throw new Error(`e2e: ${k} is not set (run through cargo xtask e2e)`)
  return v
}
const APP = env('KADIAN_APP_BIN')
const SERVER = env('KADIAN_SERVER_BIN')
const DIR = env('E2E_DIR')
const SHOTS = env('SCREENSHOTS')
const DRIVER = env('TAURI_DRIVER')
mkdirSync(SHOTS, { recursive: true })

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const freePort = () =>
  new Promise((resolve) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })

async function waitFor(what, check, ms = 30000) {
  const end = Date.now() + ms
  let last
  while (Date.now() < end) {
    try {
      const v = await check()
      if (v) return v
    } catch (e) {
      last = e
    }
    await sleep(200)
  }
  throw new Error(`e2e: timed out waiting for ${what}${last ? `: ${last}` : ''}`)
}

// A resident of the fixture roster (fake people): the first accepted row.
const expected = JSON.parse(readFileSync(env('FIXTURE_EXPECTED'), 'utf8'))
const resident = expected.rows.find((r) => r.status === 'accepted' && r.normalized.id_number).normalized

// ---- the server -------------------------------------------------------------------------------
const serverPort = await freePort()
const serverUrl = `http://127.0.0.1:${serverPort}`
let server = null
async function startServer() {
  server = spawn(SERVER, ['serve', '--listen', `127.0.0.1:${serverPort}`], {
    env: { ...process.env },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  await waitFor('the server', async () => (await fetch(`${serverUrl}/api/v1/health`)).ok)
}
async function stopServer() {
  if (!server) return
  const s = server
  server = null
  s.kill('SIGTERM')
  await new Promise((r) => s.once('exit', r))
}

// ---- the app over WebDriver ---------------------------------------------------------------
const drivers = []
async function openApp(name, application = APP) {
  const home = join(DIR, name)
  mkdirSync(home, { recursive: true })
  const port = await freePort()
  const nativePort = await freePort()
  const driver = spawn(DRIVER, ['--port', String(port), '--native-port', String(nativePort)], {
    env: {
      ...process.env,
      XDG_DATA_HOME: join(home, 'xdg'),
      KADIAN_DATA_DIR: join(home, 'data'),
      KADIAN_EXPORT_DIR: join(home, 'exports'),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  drivers.push(driver)
  await waitFor('tauri-driver', async () => (await fetch(`http://127.0.0.1:${port}/status`)).ok)
  const browser = await remote({
    hostname: '127.0.0.1',
    port,
    logLevel: 'warn',
    capabilities: {
      browserName: 'wry',
      'tauri:options': { application },
      'wdio:enforceWebDriverClassic': true,
    },
  })
  return { browser, home, exports: join(home, 'exports') }
}

/**
 * A script that starts the app with its clock at `utc` (`YYYY-MM-DD HH:MM:SS`, then ticking) by
 * libfaketime, for WebKitWebDriver to launch in place of the app. Monotonic clocks stay real.
 */
function nightApp(utc) {
  const lib = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib']
    .map((d) => join(d, 'faketime', 'libfaketime.so.1'))
    .find((f) => existsSync(f))
  if (!lib) throw new Error('e2e: libfaketime is not installed (cargo xtask setup installs it)')
  const script = join(DIR, 'night-app.sh')
  writeFileSync(script, [
    '#!/bin/sh',
    `export LD_PRELOAD='${lib}'`,
    `export FAKETIME='@${utc}'`,
    'export FAKETIME_DONT_FAKE_MONOTONIC=1',
    `exec '${APP}' "$@"`,
    '',
  ].join('\n'), { mode: 0o755 })
  return script
}

const $t = (b, id) => b.$(`[data-testid="${id}"]`)
async function text(b, id) {
  return (await $t(b, id)).getText()
}
async function typeKeys(b, s) {
  for (const ch of s) await b.keys(ch)
}
/**
 * Types on the temperature pad once it is open and waits until the pad shows what was typed: a
 * key sent while the pad is still mounting (it opens after an IPC call) would be lost, and
 * 38.5 would become 8.5. Typed again, once, from an empty pad if it was.
 */
async function padType(b, s) {
  await (await $t(b, 'temperature-pad')).waitForDisplayed()
  for (let attempt = 0; attempt < 2; attempt++) {
    await typeKeys(b, s)
    const shown = await waitFor(`the pad shows ${s}`, async () => (await text(b, 'temperature-value')).includes(s), 3000)
      .then(() => true, () => false)
    if (shown) return
    console.log(`e2e: (slow) the pad did not show ${s}; typed again`)
    for (let i = 0; i < 8; i++) await b.keys('\uE003')
  }
  throw new Error(`the pad never showed ${s}`)
}
async function shot(b, name) {
  // Toasts (注册成功, 已登记…) fade after two seconds; the screenshot shows the screen itself.
  const started = Date.now()
  await waitFor('the toasts gone', async () => {
    for (const t of await b.$$('.van-toast')) if (await t.isDisplayed().catch(() => false)) return false
    return true
  }, 5000).catch(() => {})
  if (Date.now() - started > 2000) console.log(`e2e: (slow) toasts gone after ${Date.now() - started} ms`)
  await sleep(300)
  // Shots taken right after a dialog or a sheet take 26–60 s here (WebKitWebDriver waits for
  // something a page at rest does not do; a repaint forced before did not shorten it).
  const t0 = Date.now()
  // A screenshot is the docs' picture, not a check: one WebKit could not take is said, not fatal.
  await b.saveScreenshot(join(SHOTS, `${name}.png`)).then(
    () => console.log(`e2e: screenshot ${name}.png (${Date.now() - t0} ms)`),
    (e) => console.log(`e2e: screenshot ${name}.png not taken after ${Date.now() - t0} ms: ${e}`),
  )
}
/** The element is on screen at the window's size, not under a keypad or off the bottom. */
async function inView(b, id) {
  const started = Date.now()
  const el = await $t(b, id)
  await el.waitForDisplayed()
  await waitFor(`${id} in the viewport`, () => el.isDisplayed({ withinViewport: true }), 5000)
  const ms = Date.now() - started
  if (ms > 2000) console.log(`e2e: (slow) ${id} in the viewport after ${ms} ms`)
  return el
}
/**
 * Checks `check` at the tablet's two sizes, landscape 1280×800 and upright 800×1280, then puts
 * the window back to `after` (the tablet's 1280×800, or the laptop's 1366×768).
 */
async function atBothSizes(b, check, after = [1280, 800]) {
  for (const [w, h] of [[1280, 800], [800, 1280]]) {
    await b.setWindowSize(w, h)
    await sleep(300)
    await check(`${w}×${h}`)
  }
  await b.setWindowSize(...after)
  await sleep(300)
}
const LAPTOP = [1366, 768]
/** Taps a Vant dialog's button (`confirm` or `cancel`) and waits until the dialog is gone. */
/**
 * At 1280×800 and 800×1280: 完成 and 换人 sit on screen with a clear margin above the PIN pad (a
 * gloved thumb aiming at 完成 must not land on the pad's top row).
 */
async function buttonsClearOfThePad(b) {
  await atBothSizes(b, async (size) => {
    const [pad, done, other] = await b.execute(() =>
      ['.van-number-keyboard', '[data-testid="sign-in"]', '[data-testid="sign-in-other"]'].map((q) => {
        const r = document.querySelector(q).getBoundingClientRect()
        return { top: r.top, bottom: r.bottom }
      }))
    for (const [name, r] of [['done', done], ['someone else', other]]) {
      assert.ok(r.top >= 0 && r.bottom <= pad.top - 24, `${size}: ${name} ${JSON.stringify(r)} 24 px above the pad ${JSON.stringify(pad)}`)
    }
  })
}

async function answerDialog(b, which) {
  const button = await b.$(`.van-dialog:not([style*="display: none"]) .van-dialog__${which}`)
  await button.waitForDisplayed()
  await button.click()
  await waitFor('the dialog closed', async () => {
    const open = await b.$$('.van-dialog')
    for (const d of open) if (await d.isDisplayed()) return false
    return true
  }, 5000)
}

async function fill(b, id, value) {
  const el = await b.$(`[data-testid="${id}"] input, input[data-testid="${id}"]`)
  await el.waitForDisplayed()
  // WebKitWebDriver's clear does not reach Vue's v-model: empty the field the way typing would
  // (an input event), then type.
  if (await el.getValue()) {
    await b.execute((e) => {
      e.value = ''
      e.dispatchEvent(new Event('input', { bubbles: true }))
    }, el)
  }
  await el.setValue(value)
}

/** PSS (MB) of the app's processes: kadian and the WebKit processes it started. */
function pssOfApp() {
  let total = 0
  const parts = []
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let cmd
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]
    } catch {
      continue
    }
    const name = cmd.split('/').pop()
    if (!(cmd === APP || name === 'WebKitWebProcess' || name === 'WebKitNetworkProcess')) continue
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8')
      const kb = Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0)
      total += kb / 1024
      parts.push(`${name} ${(kb / 1024).toFixed(0)}`)
    } catch {
      // gone meanwhile
    }
  }
  return { total, detail: parts.join(', ') }
}

/**
 * Milliseconds from typing `query` into the gate's search box to the first result on screen
 * (-1: none within 2 s). The box is cleared first.
 */
function searchMs(b, query) {
  return b.execute(async (query) => {
    // Counts as use, as a volunteer's typing would: the idle lock stays off.
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Unidentified' }))
    const input = document.querySelector('[data-testid="gate-search"]')
    input.value = ''
    input.dispatchEvent(new Event('input'))
    await new Promise((r) => setTimeout(r, 30))
    const t = performance.now()
    input.value = query
    input.dispatchEvent(new Event('input'))
    while (!document.querySelector('[data-testid^="person-"]')) {
      if (performance.now() - t > 2000) return -1
      await new Promise((r) => requestAnimationFrame(r))
    }
    return performance.now() - t
  }, query)
}

/** Fills in the enrolment screen with this server, a one-time code and a device name. */
async function enrol(b, code, name) {
  await fill(b, 'enrol-server', serverUrl)
  await fill(b, 'enrol-code', code)
  await fill(b, 'enrol-name', name)
  await (await $t(b, 'enrol-submit')).click()
}

/**
 * Closes the side sheet `sheet` (a van-popup) and waits until it is gone: its own close icon
 * clicked (not the first in the page: a date picker shown earlier leaves a hidden one before
 * it), Esc when a click does not take (a sheet still sliding in), tried again until it closes.
 */
async function closeSheet(b, sheet, what = 'the sheet closed') {
  await waitFor(what, async () => {
    if (!(await sheet.isDisplayed().catch(() => false))) return true
    let clicked = false
    for (const x of await b.$$('.van-popup__close-icon')) {
      if (await x.isDisplayed().catch(() => false)) {
        clicked = await x.click().then(() => true, () => false)
        if (clicked) break
      }
    }
    if (!clicked) await b.keys('Escape').catch(() => {})
    await sleep(300)
    return !(await sheet.isDisplayed().catch(() => false))
  })
}

let passed = 0
let current = null
// The failed flow and its error, in a file xtask repeats at the end of its summary (a CI log
// shows only its tail).
let failureNoted = false
function noteFailure(name, e) {
  if (failureNoted) return
  failureNoted = true
  const message = String(e?.stack ?? e).split('\n').slice(0, 12).join('\n')
  try {
    mkdirSync(DIR, { recursive: true })
    writeFileSync(join(DIR, 'failure.txt'), `e2e: ✗ ${name} (after ${passed} flows passed)\n${message}\n`)
  } catch {}
}
async function flow(name, f) {
  const started = Date.now()
  try {
    await f()
  } catch (e) {
    // What the screen showed when the flow failed, for whoever reads the log.
    const b = current
    if (b) {
      await b.saveScreenshot(join(DIR, 'failure.png')).catch(() => {})
      const body = await b.$('body').getText().catch(() => '')
      console.error(`e2e: ✗ ${name}; the screen showed:\n${body}\n(screenshot ${join(DIR, 'failure.png')})`)
    }
    noteFailure(name, e)
    throw e
  }
  passed += 1
  console.log(`e2e: ✓ ${name} (${Date.now() - started} ms)`)
}

let failed = false
try {
  await startServer()
  const tablet = await openApp('tablet')
  const b = tablet.browser
  current = b

  await flow('enrol the tablet with a one-time code', async () => {
    await enrol(b, env('VOLUNTEER_CODE'), '东门平板')
    await waitFor('the enrolment', async () => (await text(b, 'enrol-status')).includes('东门'))
  })

  await flow('sign in with name and PIN', async () => {
    const me = await $t(b, 'volunteer-演示志愿者')
    await me.waitForDisplayed({ timeout: 30000 })
    await me.click()
    await typeKeys(b, '1234')
    await (await $t(b, 'sign-in')).click()
    await (await $t(b, 'gate-search')).waitForDisplayed()
    // The language button is not right above 立即同步 (a gloved tap meant for one hit the other).
    const [lang, syncNow] = await b.execute(() =>
      ['[data-testid^="lang-"]', '[data-testid="sync-now"]'].map((q) => {
        const r = document.querySelector(q).getBoundingClientRect()
        return { left: r.left, right: r.right }
      }))
    assert.ok(lang.right <= syncNow.left, `language ${JSON.stringify(lang)} clear of sync ${JSON.stringify(syncNow)}`)
  })

  await flow('register a known resident in', async () => {
    await (await $t(b, 'gate-search')).setValue(resident.id_number.slice(-6))
    const hit = await $t(b, `person-${resident.name}`)
    await hit.waitForDisplayed()
    await shot(b, 'gate')
    // The same screen on a 10-inch tablet held upright (800 × 1280).
    await b.setWindowSize(800, 1280)
    await shot(b, 'gate-portrait')
    await b.setWindowSize(1280, 800)
    await hit.click()
    await (await $t(b, 'dir-in')).click()
    // A reading the rules refuse: the error shows where the volunteer looks, at both sizes.
    await padType(b, '3')
    await (await $t(b, 'temperature-save')).click()
    await atBothSizes(b, async (size) => {
      const e = await inView(b, 'temperature-error')
      assert.ok((await e.getText()).length > 0, `the error is said at ${size}`)
      await inView(b, 'temperature-save')
      await inView(b, 'temperature-cancel')
    })
    // 366 is not stored as 36.6 without asking.
    await typeKeys(b, '\uE003')
    await padType(b, '366')
    await (await $t(b, 'temperature-save')).click()
    const ask = await inView(b, 'temperature-ask')
    assert.match(await ask.getText(), /366.*36\.6/s)
    await shot(b, 'temperature-ask')
    await atBothSizes(b, async () => {
      await inView(b, 'temperature-ask')
      await inView(b, 'temperature-confirm')
    })
    await (await inView(b, 'temperature-confirm')).click()
    await (await $t(b, 'gate-search')).waitForDisplayed()
  })

  await flow('register a visitor with a travel declaration, a fever and its re-measure', async () => {
    await (await $t(b, 'visitor-open')).click()
    await fill(b, 'visitor-name', '测试访客')
    // A wrong check digit and a 10-digit phone: both said at their fields before the temperature,
    // and nothing goes on until they are fixed or 仍然继续 is chosen.
    await fill(b, 'visitor-doc', '110105194912310021')
    await fill(b, 'visitor-phone', '1390013900')
    await (await $t(b, 'visitor-next')).click()
    await atBothSizes(b, async (size) => {
      await inView(b, 'visitor-anyway')
      // The warnings' summary is on screen above the buttons, not under their bar.
      const [summary, bar] = await b.execute(() =>
        ['[data-testid="visitor-warnings"]', '[data-testid="visitor-footer"] .actions'].map((q) => {
          const r = document.querySelector(q).getBoundingClientRect()
          return { top: r.top, bottom: r.bottom, height: window.innerHeight }
        }))
      assert.ok(summary.top >= 0 && summary.bottom <= bar.top && bar.bottom <= bar.height, `${size}: summary ${JSON.stringify(summary)} above the bar ${JSON.stringify(bar)}`)
    })
    const warned = await $t(b, 'visitor-warnings')
    await warned.waitForDisplayed()
    assert.match(await warned.getText(), /2/)
    for (const id of ['visitor-doc', 'visitor-phone']) {
      const message = await (await $t(b, id)).$('.van-field__error-message')
      assert.ok((await message.getText()).length > 0, `a message at ${id}`)
    }
    await shot(b, 'visitor-warnings')
    assert.equal(await (await $t(b, 'temperature-pad')).isExisting(), false)
    // Typed the way people type them: a small x, a phone with spaces (stored as X and 11 digits,
    // which the form shows and says before the temperature).
    await fill(b, 'visitor-doc', '11010519491231002x')
    await fill(b, 'visitor-phone', '139 0013 9000')
    await fill(b, 'visitor-destination', '3号楼2单元')
    await fill(b, 'visitor-purpose', '探亲')
    await (await $t(b, 'visitor-travel')).click()
    await (await $t(b, 'travel-place')).click()
    // Province → city → district. The picker slides up and each level slides in; a click
    // during an animation can be lost, so a level is clicked until the next one shows.
    const option = (place) => b.$(`//li[contains(@class,"van-cascader__option")][normalize-space()="${place}"]`)
    const places = ['广东省', '深圳市', '南山区']
    for (const [i, place] of places.entries()) {
      await waitFor(`the place ${place} chosen`, async () => {
        const o = await option(place)
        if (await o.isDisplayed()) await o.click().catch(() => {})
        await sleep(400)
        const next = places[i + 1]
        return next
          ? (await option(next)).isDisplayed()
          : (await $t(b, 'travel-place').then((f) => f.$('input')).then((x) => x.getValue())).includes(place)
      })
    }
    await (await $t(b, 'transport-train')).click()
    await fill(b, 'travel-ref', 'G1936')
    await shot(b, 'travel-declaration')
    await (await $t(b, 'visitor-next')).click()
    // Nothing changes silently: the fields now hold what will be stored, said at each; the next
    // tap goes on to the temperature.
    await waitFor('the stored forms in their fields', async () =>
      (await (await $t(b, 'visitor-doc')).$('input').then((x) => x.getValue())) === '11010519491231002X')
    assert.equal(await (await $t(b, 'visitor-phone')).$('input').then((x) => x.getValue()), '13900139000')
    assert.match(await (await $t(b, 'visitor-doc')).getText(), /将保存为：11010519491231002X/)
    assert.match(await (await $t(b, 'visitor-phone')).getText(), /将保存为：13900139000/)
    await (await inView(b, 'visitor-next')).click()
    await padType(b, '38.5')
    await (await $t(b, 'temperature-save')).click()
    const fever = await $t(b, 'fever-screen')
    await fever.waitForDisplayed()
    assert.match(await fever.getText(), /38\.5/)
    await shot(b, 'fever')
    await (await $t(b, 'remeasure')).click()
    await padType(b, '36.9')
    await (await inView(b, 'temperature-save')).click()
    await waitFor('the re-measure', async () => (await text(b, 'remeasure-result')).includes('36.9'))
    // Normal on re-measure: the screen says so and is no longer the red alarm.
    assert.equal(await fever.getAttribute('data-state'), 'cleared')
    assert.match(await text(b, 'fever-title'), /复测正常/)
    // A second 复测: the pad's buttons and 完成 stay on screen at both sizes.
    await (await $t(b, 'remeasure')).click()
    await padType(b, '36.8')
    await atBothSizes(b, async () => {
      await inView(b, 'temperature-save')
      await inView(b, 'fever-done')
    })
    await (await inView(b, 'temperature-save')).click()
    await waitFor('the second re-measure', async () => (await text(b, 'remeasure-result')).includes('36.8'))
    assert.match(await text(b, 'fever-value'), /38\.5.*36\.8/)
    await (await inView(b, 'fever-done')).click()
    await (await $t(b, 'gate-search')).waitForDisplayed()
  })

  await flow('go offline, register, come back and see it synced', async () => {
    await stopServer()
    await (await $t(b, 'sync-now')).click()
    await waitFor('offline', async () => (await text(b, 'sync-status')).includes('离线'))
    await (await $t(b, 'gate-search')).setValue(resident.id_number.slice(-6))
    await (await $t(b, `person-${resident.name}`)).click()
    await (await $t(b, 'dir-out')).click()
    // A reading in °F is asked about first, at both sizes, and stored as the °C it says.
    await padType(b, '97.5')
    await (await $t(b, 'temperature-save')).click()
    assert.match(await (await inView(b, 'temperature-ask')).getText(), /97\.5 °F.*36\.4/s)
    await atBothSizes(b, async () => {
      await inView(b, 'temperature-ask')
      await inView(b, 'temperature-confirm')
    })
    await (await inView(b, 'temperature-confirm')).click()
    await waitFor('a pending record', async () => !(await text(b, 'sync-pending')).includes(' 0 '))
    await startServer()
    await (await $t(b, 'sync-now')).click()
    await waitFor('the sync', async () => {
      const s = await text(b, 'sync-status')
      return s.includes('在线') && s.includes('待同步 0 条')
    }, 60000)
  })

  await flow('the same person out twice in a row is asked about, and the repeat is voided in 今日', async () => {
    await (await $t(b, 'gate-search')).setValue(resident.id_number.slice(-6))
    await (await $t(b, `person-${resident.name}`)).click()
    assert.match(await text(b, 'chosen-last'), /出/)
    // Asked first, at both sizes; 取消 keeps the person chosen without a pad.
    await atBothSizes(b, async (size) => {
      await (await $t(b, 'dir-out')).click()
      const dialog = await b.$('.van-dialog:not([style*="display: none"])')
      await dialog.waitForDisplayed()
      assert.match(await dialog.getText(), /出/, size)
      for (const which of ['confirm', 'cancel']) {
        const button = await dialog.$(`.van-dialog__${which}`)
        assert.ok(await button.isDisplayed({ withinViewport: true }), `${size}: ${which} on screen`)
      }
      await answerDialog(b, 'cancel')
      assert.equal(await (await $t(b, 'temperature-pad')).isExisting(), false)
    })
    await (await $t(b, 'dir-out')).click()
    await answerDialog(b, 'confirm')
    await padType(b, '36.5')
    await (await $t(b, 'temperature-save')).click()
    await (await $t(b, 'gate-search')).waitForDisplayed()
    // 今日: void the repeat. The dialog closes on 取消 and on 确认, at both sizes.
    await (await $t(b, 'tab-today')).click()
    await waitFor('four passages today', async () => (await b.$$('[data-testid="today-row"]')).length === 4)
    // The visitor's fever shows as the fever and its re-measure, not the re-measure alone.
    const temps = await b.$$('[data-testid="today-temp"]').map((e) => e.getText())
    assert.ok(temps.includes('38.5 → 复测 36.8 ℃'), `${temps}`)
    await atBothSizes(b, async (size) => {
      const fever = await b.$('//*[@data-testid="today-temp"][contains(., "38.5 → 复测 36.8")]')
      assert.ok(await fever.isDisplayed({ withinViewport: true }), `${size}: the fever and its re-measure on screen`)
      // Whole, on one line: not cut off by the row.
      const [scroll, client] = await b.execute((e) => [e.scrollWidth, e.clientWidth], fever)
      assert.ok(scroll <= client, `${size}: 38.5 → 复测 36.8 cut off (${scroll} > ${client})`)
    })
    const voidButton = async () => (await b.$$('[data-testid="today-row"] .void'))[0]
    await atBothSizes(b, async () => {
      await (await voidButton()).click()
      await answerDialog(b, 'cancel')
    })
    await (await voidButton()).click()
    await fill(b, 'void-reason', '重复登记')
    await answerDialog(b, 'confirm')
    await waitFor('the row voided', async () => (await b.$$('[data-testid="today-row"].voided')).length === 1)
    await (await $t(b, 'tab-register')).click()
  })

  await flow('the idle lock: the same PIN goes on with the shift, another volunteer takes it over', async () => {
    const counts = async () => {
      await (await $t(b, 'hand-over')).waitForDisplayed()
      return Promise.all(['entries', 'exits', 'fevers'].map((k) => text(b, `hand-over-${k}`)))
    }
    await (await $t(b, 'tab-hand-over')).click()
    const before = await counts()
    // The resident in and the visitor in; the visitor's 38.5 (re-measured since) was the fever.
    assert.equal(before[0], '2')
    assert.equal(before[2], '1')
    await (await $t(b, 'lock')).click()
    await (await $t(b, 'pin')).waitForDisplayed()
    // A wrong PIN in English: 完成 and 换人 stay above the PIN pad at both sizes.
    await (await $t(b, 'lang-en')).click()
    await typeKeys(b, '9999')
    await (await $t(b, 'sign-in')).click()
    await (await $t(b, 'sign-in-error')).waitForDisplayed()
    await buttonsClearOfThePad(b)
    await (await $t(b, 'lang-zh-CN')).click()
    await typeKeys(b, '1234')
    await (await $t(b, 'sign-in')).click()
    await (await $t(b, 'tab-hand-over')).click()
    await waitFor('the same counts', async () => JSON.stringify(await counts()) === JSON.stringify(before))
    // 换人签到 at the lock.
    await (await $t(b, 'lock')).click()
    await (await $t(b, 'sign-in-other')).click()
    await (await $t(b, 'volunteer-李红梅')).click()
    await (await $t(b, 'pin')).waitForDisplayed()
    await typeKeys(b, '2580')
    await (await $t(b, 'sign-in')).click()
    await (await $t(b, 'gate-search')).waitForDisplayed()
    await (await $t(b, 'tab-hand-over')).click()
    await waitFor('the handed-over shift', async () => (await text(b, 'previous-shift')).includes('演示志愿者'))
    assert.match(await text(b, 'hand-over'), /李红梅/)
    await (await $t(b, 'tab-register')).click()
  })

  await flow('after 交班并退出 the next volunteer sees the last shift, and 完成 stays clear of the pad', async () => {
    await (await $t(b, 'tab-hand-over')).click()
    await (await $t(b, 'sign-out')).click()
    await answerDialog(b, 'confirm')
    await waitFor('the last shift on the sign-in screen', async () => (await text(b, 'previous-shift')).includes('李红梅'))
    await (await $t(b, 'volunteer-演示志愿者')).click()
    await (await $t(b, 'pin')).waitForDisplayed()
    // The 上一班 line and a wrong PIN's message together, in the longer English too.
    await (await $t(b, 'lang-en')).click()
    await typeKeys(b, '9999')
    await (await $t(b, 'sign-in')).click()
    await (await $t(b, 'sign-in-error')).waitForDisplayed()
    assert.ok(await (await $t(b, 'previous-shift')).isDisplayed(), 'the last shift stays said')
    await buttonsClearOfThePad(b)
    await (await $t(b, 'lang-zh-CN')).click()
    await typeKeys(b, '1234')
    await (await $t(b, 'sign-in')).click()
    await (await $t(b, 'gate-search')).waitForDisplayed()
  })

  await flow('卡点物资: the shift records the masks it used on the hand-over tab', async () => {
    await (await $t(b, 'tab-hand-over')).click()
    const box = await $t(b, 'gate-supplies')
    await box.waitForDisplayed({ timeout: 15000 })
    const quantity = await $t(b, 'gate-use-quantity')
    await b.execute((el) => el.scrollIntoView({ block: 'center' }), quantity)
    await quantity.setValue('20')
    const save = await $t(b, 'gate-use-save')
    await b.execute((el) => el.scrollIntoView({ block: 'center' }), save)
    await save.click()
    await waitFor('the shift\'s use said', async () => (await text(b, 'gate-used')).includes('医用外科口罩 20只'))
    assert.ok((await text(b, 'gate-stock-surgical_mask')).includes('-20'), 'the gate\'s stock, below zero')
    await shot(b, 'gate-supplies')
    await b.execute(() => window.scrollTo(0, 0))
    await (await $t(b, 'tab-register')).click()
  })

  await flow("export today's list to xlsx and read it back", async () => {
    await (await $t(b, 'tab-today')).click()
    await waitFor('four passages today', async () => (await b.$$('[data-testid="today-row"]')).length === 4)
    await (await $t(b, 'export-today')).click()
    // Where the file went, and that the voided passage was left out, stay on screen until 好.
    const said = await b.$('.export-dialog')
    await said.waitForDisplayed()
    assert.match(await said.getText(), /3/)
    assert.match(await said.getText(), /作废的 1 条没有导出/)
    await answerDialog(b, 'confirm')
    const file = await waitFor('the export', () => {
      if (!existsSync(tablet.exports)) return null
      const f = readdirSync(tablet.exports).find((n) => n.endsWith('.xlsx'))
      return f ? join(tablet.exports, f) : null
    })
    // Read back through Kadian's own register import (gate log), without storing anything.
    const report = JSON.parse(
      execFileSync(SERVER, ['import', 'gate-log', file, '--community', env('COMMUNITY'), '--compound', env('COMPOUND'), '--dry-run', '--report', '-'], {
        encoding: 'utf8',
      }),
    )
    assert.equal(report.rows_total, 3)
    assert.equal(report.rejected, 0)
    const names = report.rows.map((r) => r.normalized.name).sort()
    assert.deepEqual(names, [resident.name, resident.name, '测试访客'].sort())
    // The visitor's fever stays the fever in the gate log (38.5, re-measured 36.8 on the list;
    // the re-measure is its own row in the readings export), never 36.8 alone.
    const temps = report.rows.map((r) => r.normalized.temperature_c).sort()
    assert.deepEqual(temps, [36.4, 36.6, 38.5])
  })
  await b.deleteSession()

  // Figures (measurements, not pass/fail): a restart of the tablet to its first screen, the
  // search box's latency from keystroke to results on screen, and the memory of the app with its
  // WebKit processes.
  await flow('measure: start, search latency, memory', async () => {
    const t0 = Date.now()
    const again = await openApp('tablet')
    current = again.browser
    await (await $t(again.browser, 'volunteer-演示志愿者')).waitForDisplayed({ timeout: 30000 })
    const startMs = Date.now() - t0
    await (await $t(again.browser, 'volunteer-演示志愿者')).click()
    await typeKeys(again.browser, '1234')
    await (await $t(again.browser, 'sign-in')).click()
    await (await $t(again.browser, 'gate-search')).waitForDisplayed()
    let queries = expected.rows
      .filter((r) => r.status === 'accepted' && r.normalized.id_number)
      .slice(0, 30)
      .map((r, i) => (i % 2 ? r.normalized.id_number.slice(-6) : r.normalized.phone?.slice(-4) ?? r.normalized.name))
    // `cargo xtask e2e --residents N`: N generated residents live in this compound too. Wait
    // until the tablet has pulled the last of them, then search among all of them.
    let residents = expected.rows.filter((r) => r.status !== 'rejected').length
    const bigRoster = process.env.E2E_BIG_ROSTER
    if (bigRoster) {
      const rows = readFileSync(bigRoster, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','))
      const id = (row) => row[2]
      const t = Date.now()
      await waitFor(`the tablet to pull ${rows.length} residents`, async () => (await searchMs(again.browser, id(rows[rows.length - 1]))) >= 0, 30 * 60000)
      console.log(`e2e: the last of ${rows.length} generated residents found on the tablet after ${((Date.now() - t) / 1000).toFixed(0)} s more`)
      residents += rows.length
      const step = Math.max(1, Math.floor(rows.length / 30))
      queries = queries.concat(rows.filter((_, i) => i % step === Math.min(7, step - 1)).slice(0, 30).map((r, i) => (i % 2 ? id(r).slice(-6) : r[0])))
    }
    const times = []
    for (const q of queries) times.push(await searchMs(again.browser, q))
    const found = times.filter((t) => t >= 0).sort((a, b) => a - b)
    const pct = (p) => found[Math.min(found.length - 1, Math.floor((found.length * p) / 100))]
    const pss = pssOfApp()
    console.log('e2e figures:')
    console.log(`| start to first screen (restart, WebDriver included) | ${startMs} ms |`)
    console.log(`| search keystroke → results shown, ${residents} residents in the store, ${found.length}/${times.length} queries: median / p95 / max | ${pct(50).toFixed(1)} / ${pct(95).toFixed(1)} / ${found[found.length - 1].toFixed(1)} ms |`)
    console.log(`| memory of kadian + WebKit processes (PSS) | ${pss.total.toFixed(0)} MB (${pss.detail}) |`)
    assert.equal(found.length, times.length, 'every query found its person')
    await again.browser.deleteSession()
  })

  // The night train: at 01:30 China time (17:30 UTC the day before) the tablet's "today" is
  // China's. The app runs with its clock set there (libfaketime, the web view's process too);
  // the arrival date defaults to China's today, which the wheel can pick, at both sizes.
  await flow("at 01:30 China time the arrival defaults to China's today, and today can be picked", async () => {
    const utcYesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)
    const night = await openApp('tablet', nightApp(`${utcYesterday} 17:30:00`))
    const n = night.browser
    current = n
    const chinaDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date(`${utcYesterday}T17:30:00Z`))
    assert.notEqual(chinaDay, utcYesterday)
    // The clock the page sees is the night's (else this flow would prove nothing).
    const seen = await n.execute(() => new Date().toISOString())
    assert.ok(seen.startsWith(`${utcYesterday}T17:3`), `the web view's clock: ${seen}`)
    await (await $t(n, 'volunteer-演示志愿者')).waitForDisplayed({ timeout: 30000 })
    await (await $t(n, 'volunteer-演示志愿者')).click()
    await typeKeys(n, '1234')
    await (await $t(n, 'sign-in')).click()
    await (await $t(n, 'visitor-open')).click()
    await (await $t(n, 'visitor-travel')).click()
    const arrived = await $t(n, 'travel-to')
    await arrived.waitForDisplayed()
    assert.equal(await arrived.getAttribute('data-value'), chinaDay)
    await atBothSizes(n, async (size) => {
      await (await $t(n, 'travel-to-clear')).click()
      await waitFor('the day cleared', async () => (await arrived.getAttribute('data-value')) === '')
      await arrived.click()
      const today = await $t(n, 'travel-to-today')
      await today.waitForDisplayed()
      await sleep(400)
      assert.ok(await today.isDisplayed({ withinViewport: true }), `${size}: 今天 on screen`)
      await today.click()
      await waitFor(`${size}: China's today picked`, async () => (await arrived.getAttribute('data-value')) === chinaDay)
    })
    await n.deleteSession()
  })

  const laptop = await openApp('laptop')
  const l = laptop.browser
  current = l
  // Compound staff work on a 14-inch laptop: every laptop flow runs at 1366×768.
  await l.setWindowSize(1366, 768)
  await flow('a compound laptop sees the day, the fever and the returnee', async () => {
    // 扫码 asks the real web view for a camera. This machine has none: WebKit looks for one (the
    // camera API is on; without it the scanner would say the device cannot scan at all), finds
    // none, and the scanner says so with what else to do; 关闭 gets out.
    await (await $t(l, 'enrol-scan')).click()
    await waitFor('the scanner saying there is no camera', async () => {
      const problem = await $t(l, 'qr-problem')
      return (await problem.isExisting()) && (await problem.getText()).includes('没有找到可用的摄像头')
    }, 15000)
    await inView(l, 'qr-close')
    // 关闭 until the scanner is gone: a click while the sheet still slides up lands beside the
    // moving button (the video is hidden as soon as the problem is said, so it cannot tell).
    await waitFor('the scanner closed', async () => {
      const close = await $t(l, 'qr-close')
      if (!(await close.isDisplayed().catch(() => false))) return true
      await close.click().catch(() => {})
      await sleep(400)
      return !(await close.isDisplayed().catch(() => false))
    })
    // From the enrolment QR's link (what a scanner types): the address comes with the code.
    await fill(l, 'enrol-code', `kadian://enrol?server=${encodeURIComponent(serverUrl)}&code=${encodeURIComponent(env('COMPOUND_CODE'))}`)
    // Enter in the code field itself (a scanner's Enter): sent to the document it could reach
    // the 扫码 button, if the focus stayed there, and open the scanner again.
    await (await l.$('[data-testid="enrol-code"] input')).addValue('\uE007')
    await waitFor('the address from the link', async () => (await text(l, 'enrol-from-link')).includes(serverUrl))
    await fill(l, 'enrol-name', '党支部笔记本')
    await (await $t(l, 'enrol-submit')).click()
    const table = await $t(l, 'review-table')
    await table.waitForDisplayed({ timeout: 30000 })
    // With `--residents N` the laptop's first pull brings all N residents before the day's events.
    const firstPull = process.env.E2E_BIG_ROSTER ? 30 * 60000 : 30000
    await waitFor('the pulled passages', async () => {
      await (await $t(l, 'review-load')).click()
      return (await table.getText()).includes('测试访客')
    }, firstPull)
    await waitFor('the laptop online', async () => (await text(l, 'sync-status')).includes('在线'))
    assert.ok((await table.getText()).includes('38.5 → 复测 36.8'), 'the laptop shows the fever and its re-measure')
    // 事由 and 去往 each in its own column: 探亲 is the purpose, 3号楼2单元 where the visitor went.
    const visitorRow = await l.execute(() => {
      const heads = [...document.querySelectorAll('[data-testid="review-table"] th')].map((h) => h.textContent.trim())
      const row = [...document.querySelectorAll('[data-testid="review-table"] tbody tr')].find((r) => r.textContent.includes('测试访客'))
      const cells = row ? [...row.querySelectorAll('td')].map((c) => c.textContent.trim()) : []
      return Object.fromEntries(heads.map((h, i) => [h.replace(/[▲▼↑↓\s]/g, ''), cells[i]]))
    })
    assert.equal(visitorRow['事由'], '探亲', JSON.stringify(visitorRow))
    assert.equal(visitorRow['去往'], '3号楼2单元', JSON.stringify(visitorRow))
    for (const id of ['review-load', 'range-from', 'range-to', 'export-xlsx', 'export-csv', 'sync-status']) await inView(l, id)
    await shot(l, 'laptop-table')
    const returnees = await l.$('//div[contains(@class,"van-tab")][normalize-space()="返乡人员"]')
    await returnees.click()
    await waitFor('the returnee list', async () => (await table.getText()).includes('广东省深圳市南山区'))
    // The arrival defaulted to China's today (not the UTC date, which is yesterday before 08:00).
    const chinaToday = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date())
    assert.ok((await table.getText()).includes(chinaToday), `arrived ${chinaToday}`)
  })

  await flow('the person page is masked until staff reveal it, and the travel line is labelled', async () => {
    const row = await l.$('//tr[contains(@class,"link")][contains(., "测试访客")]/td[1]')
    await row.click()
    const page = await $t(l, 'person-page')
    await page.waitForDisplayed()
    assert.match(await text(l, 'person-document'), /\*/)
    assert.match(await text(l, 'person-travel'), /广东省深圳市南山区：.*到达，居家观察到 \d{4}-\d{2}-\d{2}/s)
    await (await $t(l, 'person-reveal')).click()
    await waitFor('the full number', async () => (await text(l, 'person-document')) === '11010519491231002X')
    await closeSheet(l, page, 'the page closed')
  })

  await flow('compound staff put the returnee under home observation and record the visit in one step, offline', async () => {
    await (await l.$('//div[contains(@class,"van-tab")][normalize-space()="今日随访"]')).click()
    const open = await $t(l, 'observation-open-测试访客')
    await open.waitForDisplayed({ timeout: 30000 })
    await open.click()
    const row = await $t(l, 'observation-row-测试访客')
    await row.waitForDisplayed({ timeout: 10000 })
    // The day's round is walked with no network: today's list is the laptop's own. (The server
    // comes back whatever happens, so that a failure here does not fail the flows after it.)
    await stopServer()
    try {
      await (await $t(l, 'sync-now')).click()
      await waitFor('offline', async () => (await text(l, 'sync-status')).includes('离线'))
      await inView(l, 'observation-seen')
      await (await $t(l, 'observation-seen')).click()
      await inView(l, 'observation-celsius')
      await typeKeys(l, '36.6')
      await l.keys('Enter')
      await waitFor('the visit recorded', async () => (await row.getAttribute('class')).includes('group-done'))
      assert.match(await text(l, 'observation-summary'), /已访 1 人/)
      assert.ok((await row.getText()).includes('36.6'), 'the temperature shows on the row')
    } finally {
      await startServer()
    }
    // Back online, the case and its visit go up (the street laptop sees the day done, below).
    await (await $t(l, 'sync-now')).click()
    await waitFor('the visit synced', async () => {
      const s = await text(l, 'sync-status')
      return s.includes('在线') && s.includes('待同步 0 条')
    }, 60000)
    // Taken online: WebKit's snapshot of this page takes about a minute with the server up and
    // did not return with it down (the cause is not known yet).
    await shot(l, 'observation-today')
  })

  await flow("a case's page shows its days and visits, and everyone under observation is listed", async () => {
    await (await $t(l, 'observation-case-测试访客')).click()
    const sheet = await $t(l, 'case-sheet')
    await sheet.waitForDisplayed({ timeout: 10000 })
    await waitFor('the case page', async () => (await text(l, 'case-visits')).includes('36.6'))
    assert.match(await text(l, 'case-status'), /观察中/)
    assert.ok((await text(l, 'case-days')).includes('第 1/14 天'), 'the period day by day')
    await shot(l, 'observation-case')
    await l.keys('Escape')
    await waitFor('the page closed', async () => !(await sheet.isDisplayed().catch(() => false)))
    await (await $t(l, 'observation-view-all')).click()
    const list = await $t(l, 'cases-table')
    await waitFor('the case list', async () => (await list.getText()).includes('测试访客'))
    for (const id of ['sheet-from', 'sheet-to', 'sheet-xlsx']) await inView(l, id)
    await (await $t(l, 'observation-view-today')).click()
  })

  await flow('the day range is picked on a 年/月/日 wheel in the app language', async () => {
    await (await l.$('//div[contains(@class,"van-tab")][normalize-space()="出入记录"]')).click()
    const from = await $t(l, 'range-from')
    const before = await from.getAttribute('data-value')
    await from.click()
    await waitFor('the wheel in Chinese', async () =>
      (await l.execute(() => [...document.querySelectorAll('.van-picker-column__item')].map((e) => e.textContent.trim())))
        .includes(`${before.slice(0, 4)}年`))
    await shot(l, 'date-picker')
    // The keyboard: ↑ on the day column is one day earlier; Enter keeps it.
    await l.keys('ArrowUp')
    await sleep(300)
    await l.keys('Enter')
    await waitFor('an earlier start', async () => {
      const now = await from.getAttribute('data-value')
      return now !== before && now < before
    })
    await waitFor('the table loaded again', async () => (await (await $t(l, 'review-table')).getText()).includes('测试访客'))
    // The same wheel in a window of a tablet's sizes: its rows large, 确定 and 今天 on screen;
    // Esc closes it without changing the day.
    const picked = await from.getAttribute('data-value')
    await atBothSizes(l, async (size) => {
      await from.click()
      const sheet = await $t(l, 'range-from-sheet')
      await sheet.waitForDisplayed()
      await sleep(400)
      for (const q of ['.van-picker__confirm', '[data-testid="range-from-today"]']) {
        assert.ok(await (await sheet.$(q)).isDisplayed({ withinViewport: true }), `${size}: ${q} on screen`)
      }
      const rows = await l.execute(() => [...document.querySelectorAll('.van-picker-column__item')].map((e) => e.getBoundingClientRect().height))
      assert.ok(rows.length > 0 && rows.every((h) => h >= 48), `${size}: rows ${rows}`)
      await l.keys('Escape')
      await waitFor('the wheel closed', async () => !(await sheet.isDisplayed()))
    }, LAPTOP)
    assert.equal(await from.getAttribute('data-value'), picked)
  })

  await flow('a register imported twice says what was already here', async () => {
    await (await l.$('//div[contains(@class,"van-tab")][normalize-space()="导入名册"]')).click()
    const input = await $t(l, 'import-file')
    await l.execute((el) => { el.style.display = 'block'; el.style.opacity = '1' }, input)
    for (let round = 0; round < 2; round++) {
      await input.addValue(env('ROSTER_FILE'))
      await waitFor('the file chosen', async () => (await text(l, 'import-file-name')).endsWith('.xlsx'))
      await (await $t(l, 'import-read')).click()
      await (await $t(l, 'import-commit')).waitForDisplayed({ timeout: 30000 })
      await (await $t(l, 'import-commit')).click()
      await waitFor('the import done', async () => (await text(l, 'import-done')).length > 0, 30000)
    }
    const said = await text(l, 'import-done')
    assert.match(said, /已存在 \d+ 行/)
    assert.ok(!said.includes('出错'), said)
    // Said next to the button that did it, in a window of a tablet's sizes too.
    await atBothSizes(l, async (size) => {
      const [done, button] = await l.execute(() =>
        ['[data-testid="import-done"]', '[data-testid="import-read"]'].map((q) => {
          const r = document.querySelector(q)?.getBoundingClientRect()
          return r && { top: r.top, bottom: r.bottom, height: window.innerHeight }
        }))
      assert.ok(done && done.top >= 0 && done.bottom <= done.height, `${size}: the result on screen ${JSON.stringify(done)}`)
      assert.ok(button && done.top - button.bottom < 200, `${size}: the result ${JSON.stringify(done)} next to the button ${JSON.stringify(button)}`)
    }, LAPTOP)
    // The result stays across tabs.
    await (await l.$('//div[contains(@class,"van-tab")][normalize-space()="志愿者"]')).click()
    await (await l.$('//div[contains(@class,"van-tab")][normalize-space()="导入名册"]')).click()
    assert.equal(await text(l, 'import-done'), said)
  })
  await flow('compound staff add a volunteer with a PIN', async () => {
    await (await l.$('//div[contains(@class,"van-tab")][normalize-space()="志愿者"]')).click()
    await (await $t(l, 'volunteer-row-李红梅')).waitForDisplayed({ timeout: 30000 })
    await fill(l, 'volunteer-name', '孙丽')
    await fill(l, 'volunteer-pin', '8642')
    await fill(l, 'volunteer-pin-again', '8642')
    await inView(l, 'volunteer-save')
    await (await $t(l, 'volunteer-save')).click()
    const row = await $t(l, 'volunteer-row-孙丽')
    await row.waitForDisplayed({ timeout: 10000 })
    await waitFor('the volunteer synced', async () => {
      const state = await row.getText()
      return state.includes('在岗') && !state.includes('待同步')
    }, 60000)
  })
  await flow('入户排查: a household screened with a returnee found at the door, the duplicate review and the 排查登记表', async () => {
    await (await l.$('//div[contains(@class,"van-tab")][normalize-space()="入户排查"]')).click()
    const list = await $t(l, 'screening-households')
    await list.waitForDisplayed({ timeout: 30000 })
    assert.match(await text(l, 'screening-total'), /登记户 \d+/)
    await shot(l, 'laptop-screening')
    await (await l.$('[data-testid="screening-households"] button.household')).click()
    await (await $t(l, 'household-page')).waitForDisplayed({ timeout: 10000 })
    // A member at home is just back from 武汉: where from; the day of arrival defaults to today.
    const back = await l.$('[data-testid="household-page"] input[data-testid$="-back"]')
    await back.scrollIntoView({ block: 'center' })
    await back.click()
    const from = await l.$('[data-testid="household-page"] input[data-testid$="-from"]')
    await from.waitForDisplayed()
    await from.setValue('湖北武汉')
    await inView(l, 'screening-save')
    await (await $t(l, 'screening-save')).click()
    await waitFor('the screening on the household page', async () => (await text(l, 'household-screenings')).includes('上门'), 15000)
    await shot(l, 'laptop-household-screened')
    await closeSheet(l, await $t(l, 'household-page'), 'the household page closed')
    // The duplicate review is on the same page; its answers can be taken back.
    const review = await $t(l, 'duplicates')
    await review.waitForExist({ timeout: 10000 })
    assert.ok((await review.getText()).includes('查重'))
    // The 排查登记表 of the day, written where exports go.
    await inView(l, 'screening-export')
    await (await $t(l, 'screening-export')).click()
    const said = await l.$('.export-dialog')
    await said.waitForDisplayed({ timeout: 30000 })
    assert.match(await said.getText(), /排查登记表_/)
    await answerDialog(l, 'confirm')
    await waitFor('the 排查登记表 file', () =>
      existsSync(laptop.exports) && readdirSync(laptop.exports).some((n) => n.startsWith('排查登记表_') && n.endsWith('.xlsx')))
    // The returnee found at the door is on 返乡人员, declared from the screening.
    await (await l.$('//div[contains(@class,"van-tab")][normalize-space()="返乡人员"]')).click()
    await waitFor('the returnee from 武汉', async () => (await (await $t(l, 'review-table')).getText()).includes('武汉'), 15000)
  })
  await flow('热线举报: a report taken in on the compound laptop, checked and closed in one form', async () => {
    const tap = async (id) => {
      const el = await $t(l, id)
      await el.waitForDisplayed({ timeout: 10000 })
      await el.scrollIntoView({ block: 'center' })
      await el.click()
    }
    await (await l.$('//div[contains(@class,"van-tab")][normalize-space()="热线举报"]')).click()
    await (await $t(l, 'hotline')).waitForDisplayed({ timeout: 15000 })
    await tap('hotline-intake')
    const name = await $t(l, 'hotline-subject-name')
    await name.waitForDisplayed({ timeout: 10000 })
    await name.setValue('赵热线')
    await (await $t(l, 'hotline-subject-address')).setValue('3号楼2单元501')
    await tap('hotline-save')
    // Saved: numbered on this laptop, assigned to its own compound, its page open.
    const page = await $t(l, 'hotline-page')
    await page.waitForDisplayed({ timeout: 15000 })
    assert.ok((await page.getText()).includes('交办：'), await page.getText())
    await shot(l, 'laptop-hotline-report')
    await tap('hotline-result-not_found')
    await tap('hotline-close-too')
    await tap('hotline-check-save')
    await waitFor('the report closed', async () =>
      (await (await $t(l, 'hotline-page-status')).getAttribute('data-status')) === 'closed', 15000)
    await closeSheet(l, await $t(l, 'hotline-page'), 'the report closed')
    await tap('hotline-filter-all')
    await (await $t(l, 'hotline-row-赵热线')).waitForDisplayed({ timeout: 10000 })
  })
  await flow('消杀: a site listed on the compound laptop and its 08:00 recorded from its chip', async () => {
    const tap = async (id) => {
      const el = await $t(l, id)
      await el.waitForDisplayed({ timeout: 10000 })
      await el.scrollIntoView({ block: 'center' })
      await el.click()
    }
    await (await l.$('//div[contains(@class,"van-tab")][normalize-space()="消杀"]')).click()
    await (await $t(l, 'disinfection')).waitForDisplayed({ timeout: 15000 })
    await tap('disinfection-add-site')
    const name = await $t(l, 'disinfection-site-name')
    await name.waitForDisplayed({ timeout: 10000 })
    await name.setValue('八一新苑小区公共区域')
    await (await $t(l, 'disinfection-site-slots')).setValue('08:00、16:00')
    await tap('disinfection-site-save')
    const chip = await $t(l, 'disinfection-slot-八一新苑小区公共区域-08:00')
    await chip.waitForDisplayed({ timeout: 15000 })
    // The 08:00 chip: its slot named, whatever the hour the flow runs at.
    await tap('disinfection-slot-八一新苑小区公共区域-08:00')
    await tap('disinfection-form-save')
    await waitFor('08:00 kept', async () =>
      (await (await $t(l, 'disinfection-slot-八一新苑小区公共区域-08:00')).getAttribute('data-state')) === 'done', 15000)
    await shot(l, 'laptop-disinfection')
  })
  await flow('物资: the gate\'s masks used at hand-over, recorded on the compound laptop, shown below zero in red', async () => {
    const tap = async (id) => {
      const el = await $t(l, id)
      await el.waitForDisplayed({ timeout: 10000 })
      await el.scrollIntoView({ block: 'center' })
      await el.click()
    }
    await (await l.$('//div[contains(@class,"van-tab")][normalize-space()="物资"]')).click()
    await (await $t(l, 'supplies')).waitForDisplayed({ timeout: 15000 })
    await tap('supplies-record')
    await tap('supplies-kind-used')
    const quantity = await $t(l, 'supplies-form-quantity')
    await quantity.setValue('40')
    await tap('supplies-form-save')
    const row = await l.$('[data-testid^="supplies-row-checkpoint:"][data-testid$="-surgical_mask"]')
    await row.waitForDisplayed({ timeout: 15000 })
    // 40 here, and what the gate's shift recorded there once it has synced: below zero.
    await waitFor('the 40 counted', async () => /-(4|6)0 /.test(await row.getText()), 15000)
    assert.ok((await row.getAttribute('class')).includes('short'), 'red: below zero')
    await shot(l, 'laptop-supplies')
  })
  await l.deleteSession()

  // The street office's laptop: its dashboard (概况) counted from what it pulled.
  const office = await openApp('street')
  const o = office.browser
  current = o
  await o.setWindowSize(1366, 768)
  await flow('the street laptop opens on its dashboard and drills down to a community and to a list', async () => {
    await fill(o, 'enrol-code', `kadian://enrol?server=${encodeURIComponent(serverUrl)}&code=${encodeURIComponent(env('STREET_CODE'))}`)
    await (await o.$('[data-testid="enrol-code"] input')).addValue('\uE007')
    await waitFor('the address from the link', async () => (await text(o, 'enrol-from-link')).includes(serverUrl))
    await fill(o, 'enrol-name', '街道办笔记本')
    await (await $t(o, 'enrol-submit')).click()
    const board = await $t(o, 'dashboard')
    await board.waitForDisplayed({ timeout: 30000 })
    // The first pull brings the day's passages: the tiles count them, and say how fresh they are.
    const number = async (id) => Number((await (await $t(o, id)).$('.n').getText()).trim())
    await waitFor('the pulled passages counted', async () => (await number('tile-passages_in')) > 0, 60000)
    await waitFor('本机数据截至', async () => (await text(o, 'dashboard-as-of')).includes('本机数据截至'), 30000)
    assert.equal(await text(o, 'dashboard-unit'), '平原街道', 'the street, named by the server at enrolment')
    assert.ok((await number('tile-fevers')) >= 1, 'the visitor\'s fever is counted')
    assert.ok((await number('tile-remeasured_normal')) >= 1, 'and its re-measure')
    const trend = await $t(o, 'dashboard-trend')
    await trend.waitForDisplayed()
    assert.ok((await trend.$('canvas').isExisting()), 'the trend is drawn')
    await shot(o, 'street-dashboard')
    // A community's row opens that community, with its compounds and the way back up.
    // A table row is not a click target for WebDriver: its name cell is (as for a person).
    const row = await $t(o, `dashboard-row-${env('COMMUNITY')}`)
    await o.execute((el) => el.scrollIntoView({ block: 'center' }), row)
    await (await row.$('td')).click()
    await waitFor('the community', async () => (await text(o, 'dashboard-unit')) === '八一社区')
    await (await $t(o, `dashboard-row-${env('COMPOUND')}`)).waitForDisplayed({ timeout: 10000 })
    assert.ok((await number('tile-passages_in')) > 0)
    await (await $t(o, 'dashboard-up-street')).click()
    await waitFor('back at the street', async () => (await text(o, 'dashboard-unit')) === '平原街道')
    // The day's 日报 in the district's template, counted on the laptop, with who filled it in.
    await (await $t(o, 'dashboard-export')).click()
    await fill(o, 'dashboard-filled-by', '王芳')
    await (await $t(o, 'dashboard-export-go')).click()
    const said = await o.$('.export-dialog')
    await said.waitForDisplayed()
    assert.match(await said.getText(), /日报核对稿_/)
    await answerDialog(o, 'confirm')
    await waitFor('the 日报 file', () => existsSync(office.exports) && readdirSync(office.exports).some((n) => n.startsWith('日报核对稿_') && n.endsWith('.xlsx')))
    // The street's 签发人 signs the day on the server from here (a wrong PIN first), and the
    // signed file comes down; the server reads it back as signed.
    execFileSync(SERVER, ['report', 'signer', '--name', '赵主任'], { input: '246810\n' })
    await (await $t(o, 'dashboard-sign')).click()
    await fill(o, 'dashboard-signer', '赵主任')
    await fill(o, 'dashboard-pin', '111111')
    await (await $t(o, 'dashboard-sign-go')).click()
    await waitFor('the wrong PIN said', async () => (await text(o, 'dashboard-sign-error')).includes('密码不对'), 30000)
    await fill(o, 'dashboard-pin', '246810')
    await (await $t(o, 'dashboard-sign-go')).click()
    await waitFor('the signed file said', async () => {
      for (const d of await o.$$('.export-dialog')) if ((await d.isDisplayed()) && /已签发/.test(await d.getText())) return true
      return false
    }, 60000)
    await answerDialog(o, 'confirm')
    const signedFile = readdirSync(office.exports).find((n) => /^日报_\d{8}_已签发\.xlsx$/.test(n))
    assert.ok(signedFile, 'the signed 日报 downloaded')
    const day = `${signedFile.slice(3, 7)}-${signedFile.slice(7, 9)}-${signedFile.slice(9, 11)}`
    const onServer = JSON.parse(execFileSync(SERVER, ['--json', 'report', 'daily', '--date', day]).toString())
    assert.equal(onServer.signed?.signer, '赵主任', 'the server holds the day as signed')
    // The fevers' tile opens the day's readings, fevers only.
    await (await $t(o, 'tile-fevers')).click()
    const table = await $t(o, 'review-table')
    await waitFor('the day\'s fevers', async () => (await table.getText()).includes('38.5'), 30000)
  })

  await flow("the street laptop sees the compound's day of visits done, and the referrals for the emergency group", async () => {
    await (await o.$('//div[contains(@class,"van-tab")][normalize-space()="今日随访"]')).click()
    await waitFor('the visit made offline on the compound laptop', async () => {
      const summary = await $t(o, 'observation-summary')
      return (await summary.isExisting()) && /已访 1 人/.test(await summary.getText())
    }, 30000)
    assert.ok((await text(o, 'observation-row-测试访客')).includes('36.6'), 'with its temperature')
    await (await $t(o, 'observation-view-referrals')).click()
    await (await $t(o, 'referrals')).waitForDisplayed({ timeout: 10000 })
    assert.match(await text(o, 'referrals-waiting'), /待接收 0 人/)
    await inView(o, 'referrals-open-only')
  })

  await flow('捐赠: the street laptop records a donation to 八一社区 and exports the 捐赠公示表', async () => {
    await (await o.$('//div[contains(@class,"van-tab")][normalize-space()="物资"]')).click()
    await (await $t(o, 'supplies')).waitForDisplayed({ timeout: 15000 })
    const record = await $t(o, 'supplies-donation-record')
    await record.waitForDisplayed({ timeout: 15000 })
    await record.click()
    await (await $t(o, 'donation-form')).waitForDisplayed({ timeout: 10000 })
    await (await $t(o, 'donation-donor')).setValue('康民大药房')
    await (await $t(o, 'donation-phone')).setValue('18406938116')
    await (await $t(o, 'donation-quantity-0')).setValue('2000')
    const to = await $t(o, 'donation-destination-0')
    await o.execute((el, v) => { el.value = v; el.dispatchEvent(new Event('change')) }, to, `community:${env('COMMUNITY')}`)
    const save = await $t(o, 'donation-save')
    await o.execute((el) => el.scrollIntoView({ block: 'center' }), save)
    await save.click()
    await waitFor('the donation listed', async () => (await text(o, 'supplies-donations')).includes('康民大药房'), 15000)
    assert.ok(!(await text(o, 'supplies-donations')).includes('18406938116'), 'no phone in the list')
    assert.match(await text(o, 'supplies-donations-totals'), /医用外科口罩 2000只/)
    await shot(o, 'street-donations')
    await (await $t(o, 'supplies-donations-export')).click()
    await (await o.$('.export-dialog')).waitForDisplayed()
    await answerDialog(o, 'confirm')
    await waitFor('the 捐赠公示表 file', () => readdirSync(office.exports).some((n) => n.startsWith('捐赠公示表_') && n.endsWith('.xlsx')))
  })
  await o.deleteSession()
} catch (e) {
  failed = true
  console.error(e)
  noteFailure('(between flows)', e)
} finally {
  for (const d of drivers) d.kill()
  await stopServer()
}
console.log(`e2e: ${passed} passed, ${failed ? 1 : 0} failed`)
process.exit(failed ? 1 : 0)
