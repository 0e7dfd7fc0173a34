import { defineStore } from 'pinia'
import { ref } from 'vue'
import { DEFAULT_LOCALE, type AppLocale } from '../i18n'
import { appInfo, deviceEnrolment, syncStatus, type AppInfo, type EnrolmentInfo, type SyncStatus } from '../ipc'

export const useAppStore = defineStore('app', () => {
  const name = ref('kadian')
  const version = ref('0.0.0')
  const locale = ref<AppLocale>(DEFAULT_LOCALE)
  const enrolment = ref<EnrolmentInfo | null>(null)
  const sync = ref<SyncStatus | null>(null)

  async function refreshDevice() {
    enrolment.value = await deviceEnrolment()
    sync.value = await syncStatus()
  }

  function setLocale(next: AppLocale) {
    locale.value = next
  }

  async function loadInfo(): Promise<AppInfo> {
    const info = await appInfo()
    name.value = info.name
    version.value = info.version
    return info
  }

  return { name, version, locale, enrolment, sync, setLocale, loadInfo, refreshDevice }
})
