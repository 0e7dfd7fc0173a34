import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'

const state = vi.hoisted(() => ({ calls: [] as unknown[][], status: 'assigned' as string }))

const row = (subject = '张伟', overdue = false) => ({
  id: `r-${subject}`, number: '411402001-20261207-K7Q3MA-001', received_at: '2026-12-07 09:12', channel: 'phone',
  batch: null, category: 'returnee_hubei', urgency: 'urgent', subject, subject_phone: '138****8000',
  subject_id_number: null, address: '八一新苑3号楼2单元501', assigned_to: '八一新苑', assignee: null,
  status: state.status, result: state.status === 'closed' ? 'not_found' : null, disposition: null,
  assign_due: '2026-12-07 09:42', check_due: '2026-12-07 11:12', overdue, conflicting: false, taken_here: true,
})
const page = () => ({
  row: row(), reporter: '匿名', description: '邻居说他昨天从武汉回来', person_id: null, case_id: null, conflicting: [],
  actions: [{ at: '2026-12-07 09:12', kind: 'assign', recorded_by: '街道防控办', detail: '交办：八一新苑' }],
})

vi.mock('../ipc', async (original) => {
  const real = await original<typeof import('../ipc')>()
  return {
    ...real,
    hotlineList: async (query: unknown) => {
      state.calls.push(['list', query])
      return {
        rows: [row('张伟'), row('李娜', true)], more: 0,
        week: { received: 2, checked: 0, overdue: 1, observation_opened: 0, open: 2, conflicting: 0, median_minutes_to_check: null },
      }
    },
    hotlinePage: async (id: string) => {
      state.calls.push(['page', id])
      return page()
    },
    hotlineCandidates: async (query: unknown) => {
      state.calls.push(['candidates', query])
      return {
        persons: [{ id: 'p1', name: '张伟', id_number: '4114**********0011', phone: '138****8000', address: '八一新苑 3号楼', matched_by: 'name' }],
        reports: [],
      }
    },
    hotlineIntake: async (input: unknown) => {
      state.calls.push(['intake', input])
      return page()
    },
    hotlineAct: async (input: unknown) => {
      state.calls.push(['act', input])
      state.status = 'closed'
      return page()
    },
    volunteerCompounds: async () => [{ id: 'c1', name: '八一新苑' }],
    hotlineImportCheckList: async (file: File, batch: string) => {
      state.calls.push(['import', file.name, batch])
      return {
        batch: 3, written: 67, held_already: 0, unassigned: 20,
        report: {
          file: file.name, kind: 'district_check_list', sheet: 'Sheet1', header_row: 4, report_date: '2020-02-04',
          rows_total: 72, accepted: 64, warned: 5, rejected: 3, persons_created: 67, persons_merged: 2, households: 0,
          unmapped_columns: [],
          rows: [
            { row: 5, status: 'accepted', issues: [], normalized: {} },
            { row: 22, status: 'rejected', issues: [{ field: 'id_number', code: 'id_and_phone_unusable', severity: 'error', message: '身份证号码和手机号都无法使用', message_en: 'Neither' }], normalized: null },
            { row: 54, status: 'warned', issues: [{ field: 'id_number', code: 'duplicate_person', severity: 'warning', message: '与第 20 行是同一人', message_en: 'Same as row 20' }], normalized: {} },
          ],
        },
      }
    },
  }
})

import HotlineView from './HotlineView.vue'
import { createAppI18n } from '../i18n'

describe('热线举报', () => {
  it('lists the to-do with the overdue one in red, takes a report with its candidates, and checks one in one form', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true })
    setActivePinia(createPinia())
    const w = mount(HotlineView, { global: { plugins: [createAppI18n()], stubs: { teleport: true } } })
    await flushPromises()
    expect(state.calls[0]).toEqual(['list', { filter: 'todo', batch: null }])
    expect(w.get('[data-testid="hotline-week"]').text()).toContain('超时 1')
    expect(w.get('[data-testid="hotline-row-李娜"]').classes()).toContain('overdue')
    expect(w.get('[data-testid="hotline-row-李娜"]').text()).toContain('已超时')
    expect(w.get('[data-testid="hotline-row-张伟"]').text()).toContain('紧急')

    // Intake: the person typed is found among those registered, and linked with one tap.
    await w.get('[data-testid="hotline-intake"]').trigger('click')
    await flushPromises()
    await w.get('[data-testid="hotline-subject-name"]').setValue('张伟')
    await w.get('[data-testid="hotline-subject-address"]').setValue('八一新苑3号楼2单元501')
    await vi.advanceTimersByTimeAsync(300)
    await flushPromises()
    const candidates = w.get('[data-testid="hotline-candidates"]')
    expect(candidates.text()).toContain('已登记人员：张伟')
    await candidates.get('button').trigger('click')
    await w.get('[data-testid="hotline-form"]').trigger('submit')
    await flushPromises()
    const intake = state.calls.find((c) => c[0] === 'intake')?.[1] as Record<string, unknown>
    expect(intake).toMatchObject({ subject_name: '张伟', person_id: 'p1', channel: 'phone', category: 'returnee_hubei', compound: '' })

    // The page opened on the saved report: a result, closed in the same step.
    expect(w.get('[data-testid="hotline-page"]').text()).toContain('交办：八一新苑')
    await w.get('[data-testid="hotline-result-not_found"]').setValue(true)
    await w.get('[data-testid="hotline-note"]').setValue('敲门三次无人')
    await w.get('[data-testid="hotline-close-too"]').setValue(true)
    await w.get('[data-testid="hotline-check-save"]').trigger('click')
    await flushPromises()
    const act = state.calls.find((c) => c[0] === 'act')?.[1] as Record<string, unknown>
    expect(act).toMatchObject({ report_id: 'r-张伟', kind: 'check', result: 'not_found', close: true, note: '敲门三次无人' })
    expect(w.get('[data-testid="hotline-page-status"]').attributes('data-status')).toBe('closed')
    w.unmount()
    vi.useRealTimers()
  })

  it('takes the district list in on a street laptop and shows the rows to look at', async () => {
    setActivePinia(createPinia())
    const { useAppStore } = await import('../stores/app')
    useAppStore().enrolment = {
      server_url: 'http://x', role: 'street', street: '411402001', community: null, compound: null, checkpoint: null,
      place_name: null, reenrol_needed: false, place_retired_at: null,
    }
    const w = mount(HotlineView, { global: { plugins: [createAppI18n()], stubs: { teleport: true } } })
    await flushPromises()
    const input = w.get('[data-testid="hotline-import-file"]')
    const file = new File([new Uint8Array([1, 2, 3])], '平原街道_区下发核查名单_第3批.xlsx')
    Object.defineProperty(input.element, 'files', { value: [file] })
    await input.trigger('change')
    await flushPromises()
    expect(state.calls).toContainEqual(['import', '平原街道_区下发核查名单_第3批.xlsx', ''])
    const report = w.get('[data-testid="hotline-row-report"]')
    expect(report.text()).toContain('第 3 批：新增 67 条')
    expect(report.text()).toContain('第 22 行 未导入：身份证号码和手机号都无法使用')
    expect(report.text()).toContain('第 54 行 需核对：与第 20 行是同一人')
    expect(report.text()).not.toContain('第 5 行')
    // The batch is now the list's: its feedback sheet is one tap away.
    expect(w.get('[data-testid="hotline-feedback"]').text()).toContain('第 3 批核查反馈表')
    w.unmount()
  })
})
