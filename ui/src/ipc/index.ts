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

/** Role of an enrolled device (mirrors kadian_domain::sync::Role). */
export type Role = 'volunteer' | 'compound' | 'community' | 'street'

/** What the device is enrolled as (mirrors the app's EnrolmentInfo). */
export interface EnrolmentInfo {
  server_url: string
  role: Role
  scope: { street: string; community: string | null; compound: string | null; checkpoint: string | null }
  checkpoint_name: string | null
}

/** The sync bar's facts (mirrors kadian_device::sync::SyncStatus). */
export interface SyncStatus {
  online: boolean
  last_success: string | null
  pending: number
  rejected: number
  reenrol_needed: boolean
  failures: [string, number][]
  clock_skew_ms: number | null
}

export async function deviceEnrolment(): Promise<EnrolmentInfo | null> {
  if (!isTauri()) return null
  return invoke<EnrolmentInfo | null>('device_enrolment')
}

export async function syncStatus(): Promise<SyncStatus | null> {
  if (!isTauri()) return null
  return invoke<SyncStatus>('sync_status')
}
