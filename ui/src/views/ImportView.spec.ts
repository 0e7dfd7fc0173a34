import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'

const calls = vi.hoisted(() => ({ preview: [] as unknown[][], commit: [] as string[], alreadyHere: 0, cases: 0, kind: 'roster' }))

vi.mock('../ipc', async (original) => {
  const real = await original<typeof import('../ipc')>()
  return {
    ...real,
    importPreview: async (...args: unknown[]) => {
      calls.preview.push(args)
      return {
        token: 't1',
        report: {
          file: '八一社区_居民花名册.xlsx', kind: calls.kind, sheet: 'Sheet1', header_row: 3, rows_total: 3,
          accepted: 1, warned: 1, rejected: 1, persons_created: 2, persons_merged: 0, households: 0, unmapped_columns: ['备注'],
          rows: [
            { row: 4, status: 'accepted', issues: [], normalized: { name: '张三' } },
            { row: 5, status: 'warned', issues: [{ field: 'id_number', code: 'id_checksum', severity: 'warning', message: '校验码不对', message_en: 'check digit' }], normalized: { name: '李四' } },
            { row: 6, status: 'rejected', issues: [{ field: 'name', code: 'name_missing', severity: 'error', message: '缺少姓名', message_en: 'name missing' }], normalized: null },
          ],
        },
      }
    },
    importCommit: async (token: string) => {
      calls.commit.push(token)
      return calls.alreadyHere
        ? { persons: 0, travel: 0, passages: 0, readings: 0, cases: 0, households: 0, already_here: calls.alreadyHere }
        : { persons: 2, travel: 2, passages: 0, readings: 0, cases: calls.cases, households: 0, already_here: 0 }
    },
  }
})

import ImportView from './ImportView.vue'
import { createAppI18n } from '../i18n'

describe('导入名册', () => {
  it('previews every flagged row before storing, then commits with the token', async () => {
    setActivePinia(createPinia())
    const wrapper = mount(ImportView, { global: { plugins: [createAppI18n()] } })
    const input = wrapper.get('[data-testid="import-file"]')
    const file = new File([new Uint8Array([1, 2, 3])], '八一社区_居民花名册.xlsx')
    Object.defineProperty(input.element, 'files', { value: [file] })
    await input.trigger('change')
    await wrapper.get('[data-testid="import-read"]').trigger('click')
    await flushPromises()
    expect(calls.preview[0]).toEqual([file, 'auto'])
    expect(wrapper.get('[data-testid="import-summary"]').text()).toContain('共 3 行：1 行无误，1 行有提示，1 行不能导入')
    expect(wrapper.text()).toContain('备注')
    const rows = wrapper.findAll('tbody tr')
    expect(rows).toHaveLength(2)
    expect(rows[0].text()).toContain('校验码不对')
    // The field as staff call it, not the rules' key.
    expect(rows[0].text()).toContain('证件号码：')
    expect(rows[0].text()).not.toContain('id_number')
    expect(rows[1].text()).toContain('缺少姓名')
    expect(calls.commit).toEqual([])
    const commit = wrapper.get('[data-testid="import-commit"]')
    expect(commit.text()).toBe('确认导入 2 行')
    await commit.trigger('click')
    await flushPromises()
    expect(calls.commit).toEqual(['t1'])
    expect(wrapper.text()).toContain('已导入：2 人')
  })
  it('says how many were placed under home observation, and where to find them', async () => {
    setActivePinia(createPinia())
    calls.alreadyHere = 0
    calls.cases = 2
    calls.kind = 'home_observation'
    const wrapper = mount(ImportView, { global: { plugins: [createAppI18n()] } })
    const input = wrapper.get('[data-testid="import-file"]')
    Object.defineProperty(input.element, 'files', { value: [new File([new Uint8Array([1])], '居家观察人员台账.xlsx')] })
    await input.trigger('change')
    await wrapper.get('[data-testid="import-read"]').trigger('click')
    await flushPromises()
    // The register's kind by the name on the kind choice, not a raw key.
    expect(wrapper.get('h3').text()).toContain('居家观察人员台账')
    expect(wrapper.get('h3').text()).not.toContain('import.kinds')
    await wrapper.get('[data-testid="import-commit"]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid="import-done"]').text()).toContain('2 人纳入居家观察（见“今日随访”）')
    calls.cases = 0
    calls.kind = 'roster'
  })
  it('says a register imported again was skipped, next to the button, and keeps saying it across tabs', async () => {
    setActivePinia(createPinia())
    calls.alreadyHere = 3
    const wrapper = mount(ImportView, { global: { plugins: [createAppI18n()] } })
    const input = wrapper.get('[data-testid="import-file"]')
    Object.defineProperty(input.element, 'files', { value: [new File([new Uint8Array([1])], '名册.xlsx')] })
    await input.trigger('change')
    expect(wrapper.get('[data-testid="import-file-name"]').text()).toBe('名册.xlsx')
    await wrapper.get('[data-testid="import-read"]').trigger('click')
    await flushPromises()
    await wrapper.get('[data-testid="import-commit"]').trigger('click')
    await flushPromises()
    const done = wrapper.get('[data-testid="import-done"]').text()
    expect(done).toBe('已存在 3 行（本机已有，内容相同），已跳过')
    expect(done).not.toContain('已导入')
    // Another tab and back: the view is mounted again, the outcome is still there.
    wrapper.unmount()
    const again = mount(ImportView, { global: { plugins: [createAppI18n()] } })
    expect(again.get('[data-testid="import-done"]').text()).toContain('已存在 3 行')
    // The Chinese UI's own file button, not the browser's "Choose File".
    expect(again.get('[data-testid="import-choose"]').text()).toBe('选择文件')
  })
})
