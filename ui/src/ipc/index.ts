// The only module that talks to Tauri. Everything else goes through here so the
// UI also runs (and is testable) in a plain browser.
import { invoke } from '@tauri-apps/api/core'

export interface AppInfo {
  name: string
  version: string
}

export const FALLBACK_APP_INFO: Readonly<AppInfo> = Object.freeze({
  name: 'kadian',
  version: 'browser',
})

export function isTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window
}

export async function appInfo(): Promise<AppInfo> {
  if (!isTauri()) return { ...FALLBACK_APP_INFO }
  return invoke<AppInfo>('app_info')
}
