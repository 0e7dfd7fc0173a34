import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'

const calls = vi.hoisted(() => ({ save: [] as unknown[][], retire: [] as unknown[][], asked: [] as string[], answer: true }))

vi.mock('vant', async (original) => {
  const real = await original<typeof import('vant')>()
  return {
    ...real,
    showConfirmDialog: async (o: { title: string }) => {
      calls.asked.push(o.title)
      if (!calls.answer) throw new Error('cancel')
    },
  }
})
const volunteers = vi.hoisted(() => [
  { id: 'v1', name: '李红梅', compound_id: 'c1', compound_name: '八一新苑', retired: false, pending: false },
])

vi.mock('../ipc', async (original) => {
  const real = await original<typeof import('../ipc')>()
  return {
    ...real,
    volunteerList: async () => volunteers,
    volunteerCompounds: async () => [{ id: 'c1', name: '八一新苑' }],
    volunteerSave: async (...args: unknown[]) => {
      calls.save.push(args)
      if (args[1] === '' && args[2] === '1') {
        throw {
          code: 'invalid_input', field: 'name', message: '请填写志愿者姓名', message_en: "Enter the volunteer's name",
          notices: [
            { field: 'name', code: 'name_missing', severity: 'error', message: '请填写志愿者姓名', message_en: "Enter the volunteer's name" },
            { field: 'pin', code: 'pin_format', severity: 'error', message: '密码必须是 4 到 6 位数字', message_en: 'The PIN must be 4 to 6 digits' },
          ],
        }
      }
      if (args[2] === '12') {
        throw { code: 'invalid_input', field: 'pin', message: '密码必须是 4 到 6 位数字', message_en: 'The PIN must be 4 to 6 digits', notices: [] }
      }
      return { ...volunteers[0], id: 'v2', name: args[1] }
    },
    volunteerRetire: async (...args: unknown[]) => {
      calls.retire.push(args)
      return { ...volunteers[0], retired: true }
    },
  }
})

import VolunteersView from './VolunteersView.vue'
import { createAppI18n } from '../i18n'

async function mounted() {
  setActivePinia(createPinia())
  const wrapper = mount(VolunteersView, { global: { plugins: [createAppI18n()] } })
  await flushPromises()
  return wrapper
}

describe('志愿者名单', () => {
  it('lists the volunteers and saves a new one only when both PINs agree', async () => {
    const wrapper = await mounted()
    expect(wrapper.get('[data-testid="volunteer-row-李红梅"]').text()).toContain('在岗')
    await wrapper.get('[data-testid="volunteer-name"]').setValue('赵建国')
    await wrapper.get('[data-testid="volunteer-pin"]').setValue('1357')
    await wrapper.get('[data-testid="volunteer-pin-again"]').setValue('1358')
    expect(wrapper.get('[data-testid="volunteer-mismatch"]').text()).toBe('两次输入的密码不一样')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(calls.save).toEqual([])
    await wrapper.get('[data-testid="volunteer-pin-again"]').setValue('1357')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(calls.save).toEqual([['c1', '赵建国', '1357']])
    expect((wrapper.get('[data-testid="volunteer-pin"]').element as HTMLInputElement).value).toBe('')
  })

  it('shows the rule a PIN broke next to the PIN field', async () => {
    const wrapper = await mounted()
    await wrapper.get('[data-testid="volunteer-name"]').setValue('王伟')
    await wrapper.get('[data-testid="volunteer-pin"]').setValue('12')
    await wrapper.get('[data-testid="volunteer-pin-again"]').setValue('12')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.text()).toContain('密码必须是 4 到 6 位数字')
  })

  it('shows every broken rule at its own field', async () => {
    const wrapper = await mounted()
    await wrapper.get('[data-testid="volunteer-pin"]').setValue('1')
    await wrapper.get('[data-testid="volunteer-pin-again"]').setValue('1')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    const errors = wrapper.findAll('.error').map((e) => e.text())
    expect(errors).toEqual(['请填写志愿者姓名', '密码必须是 4 到 6 位数字'])
  })

  it('retires a volunteer only once staff confirm', async () => {
    const wrapper = await mounted()
    calls.answer = false
    await wrapper.get('[data-testid="volunteer-retire-李红梅"]').trigger('click')
    await flushPromises()
    expect(calls.asked).toEqual(['停用 李红梅？'])
    expect(calls.retire).toEqual([])
    calls.answer = true
    await wrapper.get('[data-testid="volunteer-retire-李红梅"]').trigger('click')
    await flushPromises()
    expect(calls.retire).toEqual([['v1', true]])
    calls.asked.length = 0
  })

  it("asks before a new PIN for an existing name replaces that volunteer's PIN", async () => {
    const wrapper = await mounted()
    calls.save.length = 0
    calls.answer = false
    await wrapper.get('[data-testid="volunteer-name"]').setValue('李红梅')
    await wrapper.get('[data-testid="volunteer-pin"]').setValue('9999')
    await wrapper.get('[data-testid="volunteer-pin-again"]').setValue('9999')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(calls.asked).toEqual(['李红梅 已在名单里'])
    expect(calls.save).toEqual([])
    calls.answer = true
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(calls.save).toEqual([['c1', '李红梅', '9999']])
    calls.asked.length = 0
  })
})
