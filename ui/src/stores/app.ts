import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { DEFAULT_LOCALE, type AppLocale } from '../i18n'
import {
  appInfo, deviceEnrolment, shiftCurrent, syncStatus,
  type AppError, type AppInfo, type EnrolmentInfo, type Shift, type SyncStatus,
} from '../ipc'

export const useAppStore = defineStore('app', () => {
  const name = ref('kadian')
  const version = ref('0.0.0')
  const locale = ref<AppLocale>(DEFAULT_LOCALE)
  const enrolment = ref<EnrolmentInfo | null>(null)
  const sync = ref<SyncStatus | null>(null)
  const shift = ref<Shift | null>(null)
  const locked = ref(false)
  const loaded = ref(false)

  /** Tablets register at the gate; every other role reviews. */
  const isGate = computed(() => enrolment.value?.role === 'volunteer')

  async function refreshDevice() {
    enrolment.value = await deviceEnrolment()
    sync.value = await syncStatus()
    if (enrolment.value?.role === 'volunteer') {
      shift.value = await shiftCurrent().catch(() => null)
    }
    loaded.value = true
  }

  function setLocale(next: AppLocale) {
    locale.value = next
  }

  /** The error's message in the current language. */
  function errorText(e: AppError): string {
    return locale.value === 'en' ? e.message_en : e.message
  }

  async function loadInfo(): Promise<AppInfo> {
    const info = await appInfo()
    name.value = info.name
    version.value = info.version
    return info
  }

  return {
    name, version, locale, enrolment, sync, shift, locked, loaded, isGate,
    setLocale, loadInfo, refreshDevice, errorText,
  }
})
