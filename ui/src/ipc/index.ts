// The only module that talks to Tauri. Everything else goes through here so the UI also runs
// (and is testable) in a plain browser, where every device call fails with `no_device`.
// The types are generated from Rust by ts-rs (ui/src/ipc/bindings, checked by `cargo xtask test`).
import { invoke } from '@tauri-apps/api/core'
import type { AppError } from './bindings/AppError'
import type { AppInfo } from './bindings/AppInfo'
import type { CompoundChoice } from './bindings/CompoundChoice'
import type { DayRange } from './bindings/DayRange'
import type { EnrolmentInfo } from './bindings/EnrolmentInfo'
import type { ExportKind } from './bindings/ExportKind'
import type { ExportResult } from './bindings/ExportResult'
import type { HandOver } from './bindings/HandOver'
import type { ImportCommitted } from './bindings/ImportCommitted'
import type { ImportPreview } from './bindings/ImportPreview'
import type { ImportReport } from './bindings/ImportReport'
import type { RowReport } from './bindings/RowReport'
import type { PassageView } from './bindings/PassageView'
import type { PersonCard } from './bindings/PersonCard'
import type { PersonPage } from './bindings/PersonPage'
import type { Revealed } from './bindings/Revealed'
import type { PlaceNode } from './bindings/PlaceNode'
import type { ReadingResult } from './bindings/ReadingResult'
import type { ReadingView } from './bindings/ReadingView'
import type { Registered } from './bindings/Registered'
import type { RejectedView } from './bindings/RejectedView'
import type { QuarantinedChange } from './bindings/QuarantinedChange'
import type { ReviewList } from './bindings/ReviewList'
import type { Shift } from './bindings/Shift'
import type { ConflictView } from './bindings/ConflictView'
import type { SyncStatus } from './bindings/SyncStatus'
import type { TemperatureCheck } from './bindings/TemperatureCheck'
import type { NoticeView } from './bindings/NoticeView'
import type { LastPassage } from './bindings/LastPassage'
import type { Today } from './bindings/Today'
import type { TodayFilter } from './bindings/TodayFilter'
import type { TravelInput } from './bindings/TravelInput'
import type { TravelView } from './bindings/TravelView'
import type { VisitorInput } from './bindings/VisitorInput'
import type { Volunteer } from './bindings/Volunteer'
import type { VolunteerEntry } from './bindings/VolunteerEntry'
import type { ObservationEntry } from './bindings/ObservationEntry'
import type { OpenCase } from './bindings/OpenCase'
import type { TodayVisits } from './bindings/TodayVisits'
import type { ReferralView } from './bindings/ReferralView'
import type { DisposeInput } from './bindings/DisposeInput'
import type { VisitInput } from './bindings/VisitInput'
import type { CasePage } from './bindings/CasePage'
import type { CaseDay } from './bindings/CaseDay'
import type { CaseVisit } from './bindings/CaseVisit'
import type { CaseChange } from './bindings/CaseChange'
import type { Dashboard } from './bindings/Dashboard'
import type { SignedDay } from './bindings/SignedDay'
import type { DashboardQuery } from './bindings/DashboardQuery'
import type { Figures } from './bindings/Figures'
import type { UnitFigures } from './bindings/UnitFigures'
import type { CoverageQuery } from './bindings/CoverageQuery'
import type { CoverageView } from './bindings/CoverageView'
import type { HouseholdPage } from './bindings/HouseholdPage'
import type { HouseholdRow } from './bindings/HouseholdRow'
import type { MemberView } from './bindings/MemberView'
import type { CompoundCoverageView } from './bindings/CompoundCoverageView'
import type { Coverage } from './bindings/Coverage'
import type { ScreeningInput } from './bindings/ScreeningInput'
import type { NewMemberInput } from './bindings/NewMemberInput'
import type { MemberInput } from './bindings/MemberInput'
import type { KeyAreaInput } from './bindings/KeyAreaInput'
import type { KeyAreaView } from './bindings/KeyAreaView'
import type { KeyAreaDay } from './bindings/KeyAreaDay'
import type { KeyAreaHousehold } from './bindings/KeyAreaHousehold'
import type { HouseholdVisitInput } from './bindings/HouseholdVisitInput'
import type { MemberSeenInput } from './bindings/MemberSeenInput'
import type { ScreeningView } from './bindings/ScreeningView'
import type { DuplicateReview } from './bindings/DuplicateReview'
import type { NeedRow } from './bindings/NeedRow'
import type { ReturnInput } from './bindings/ReturnInput'
import type { DuplicatePair } from './bindings/DuplicatePair'
import type { DuplicateRecord } from './bindings/DuplicateRecord'
import type { DuplicateDecision } from './bindings/DuplicateDecision'
import type { HotlineQuery } from './bindings/HotlineQuery'
import type { HotlineList } from './bindings/HotlineList'
import type { HotlineRow } from './bindings/HotlineRow'
import type { HotlinePage } from './bindings/HotlinePage'
import type { HotlineIntake } from './bindings/HotlineIntake'
import type { HotlineActionInput } from './bindings/HotlineActionInput'
import type { HotlineCandidates } from './bindings/HotlineCandidates'
import type { CandidatePerson } from './bindings/CandidatePerson'
import type { CandidateQuery } from './bindings/CandidateQuery'
import type { CheckListTaken } from './bindings/CheckListTaken'
import type { ReportActionView } from './bindings/ReportActionView'
import type { HotlineFiguresView } from './bindings/HotlineFiguresView'
import type { DisinfectionBoard } from './bindings/DisinfectionBoard'
import type { DisinfectionInput } from './bindings/DisinfectionInput'
import type { DisinfectionUnitView } from './bindings/DisinfectionUnitView'
import type { OverdueView } from './bindings/OverdueView'
import type { SiteInput } from './bindings/SiteInput'
import type { SiteRow } from './bindings/SiteRow'
import type { SlotView } from './bindings/SlotView'
import type { SuppliesBoard } from './bindings/SuppliesBoard'
import type { MovementInput } from './bindings/MovementInput'
import type { DonationsBoard } from './bindings/DonationsBoard'
import type { DonationsTaken } from './bindings/DonationsTaken'
import type { DonationInput } from './bindings/DonationInput'
import type { DonationLineInput } from './bindings/DonationLineInput'
import type { DonationView } from './bindings/DonationView'
import type { DonationLot } from './bindings/DonationLot'
import type { AllocationPlan } from './bindings/AllocationPlan'
import type { AllocationInput } from './bindings/AllocationInput'
import type { AllocationRow } from './bindings/AllocationRow'
import type { GateSupplies } from './bindings/GateSupplies'
import type { GateDisinfection } from './bindings/GateDisinfection'
import type { ShiftUse } from './bindings/ShiftUse'
import type { StockRow } from './bindings/StockRow'
import type { TransferRow } from './bindings/TransferRow'
import type { HolderChoice } from './bindings/HolderChoice'
import type { ItemView } from './bindings/ItemView'

export type {
  SuppliesBoard, MovementInput, StockRow, TransferRow, HolderChoice, ItemView,
  DonationsBoard, DonationsTaken, DonationInput, DonationLineInput, DonationView, DonationLot,
  AllocationPlan, AllocationInput, AllocationRow, GateSupplies, ShiftUse, GateDisinfection,
  DisinfectionBoard, DisinfectionInput, DisinfectionUnitView, OverdueView, SiteInput, SiteRow, SlotView,
  AppError, AppInfo, CompoundChoice, DayRange, EnrolmentInfo, ExportKind, ExportResult, HandOver, ImportCommitted,
  ImportPreview, ImportReport, RowReport, PassageView,
  PersonCard, PersonPage, Revealed, PlaceNode, ReadingResult, ReadingView, Registered, RejectedView, QuarantinedChange,
  ReviewList, Shift, ConflictView, SyncStatus, TemperatureCheck, NoticeView, LastPassage, Today, TodayFilter, TravelInput, TravelView,
  VisitorInput, Volunteer, VolunteerEntry, ObservationEntry, OpenCase, TodayVisits, VisitInput, ReferralView, DisposeInput,
  CasePage, CaseDay, CaseVisit, CaseChange, Dashboard, DashboardQuery, Figures, UnitFigures, SignedDay,
  CoverageQuery, CoverageView, HouseholdPage, HouseholdRow, MemberView, CompoundCoverageView, Coverage,
  ScreeningInput, ScreeningView, NewMemberInput, MemberInput, KeyAreaInput, KeyAreaView, KeyAreaDay,
  KeyAreaHousehold, HouseholdVisitInput, MemberSeenInput, DuplicateReview, DuplicatePair, DuplicateRecord,
  DuplicateDecision, NeedRow, ReturnInput, HotlineQuery, HotlineList, HotlineRow, HotlinePage, HotlineIntake,
  HotlineActionInput, HotlineCandidates, CandidatePerson, CandidateQuery, CheckListTaken, ReportActionView,
  HotlineFiguresView,
}

export const FALLBACK_APP_INFO: Readonly<AppInfo> = Object.freeze({
  name: 'kadian',
  version: 'browser',
})

export function isTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window
}

const NO_DEVICE: AppError = {
  code: 'no_device',
  field: null,
  message: '只能在卡点登记应用里使用',
  message_en: 'This works only inside the Kadian app',
  notices: [],
}

/** True for the `{code, message, ...}` errors the commands return. */
export function isAppError(e: unknown): e is AppError {
  return typeof e === 'object' && e !== null && 'code' in e && 'message' in e
}

/** Any thrown value as an AppError (a string from Tauri itself becomes `internal`). */
export function toAppError(e: unknown): AppError {
  if (isAppError(e)) return e
  const text = String(e)
  return { code: 'internal', field: null, message: text, message_en: text, notices: [] }
}

async function call<T>(
  cmd: string,
  args?: Record<string, unknown> | Uint8Array,
  options?: { headers: Record<string, string> },
): Promise<T> {
  if (!isTauri()) throw NO_DEVICE
  try {
    return await (options ? invoke<T>(cmd, args, options) : invoke<T>(cmd, args))
  } catch (e) {
    throw toAppError(e)
  }
}

export async function appInfo(): Promise<AppInfo> {
  if (!isTauri()) return { ...FALLBACK_APP_INFO }
  return call<AppInfo>('app_info')
}

export async function deviceEnrolment(): Promise<EnrolmentInfo | null> {
  if (!isTauri()) return null
  return call<EnrolmentInfo | null>('device_enrolment')
}

export async function syncStatus(): Promise<SyncStatus | null> {
  if (!isTauri()) return null
  return call<SyncStatus>('sync_status')
}

/** Enrols with a one-time code; `certSha256` (from the QR code) pins the server's certificate. */
export const deviceEnrol = (serverUrl: string, code: string, deviceName: string, certSha256: string | null = null) =>
  call<EnrolmentInfo>('device_enrol', { serverUrl, code, deviceName, certSha256 })
export const syncNow = () => call<void>('sync_now')
export const syncRejected = () => call<RejectedView[]>('sync_rejected')
export const syncQuarantined = () => call<QuarantinedChange[]>('sync_quarantined')
export const syncRequeue = (seq: number) => call<boolean>('sync_requeue', { seq })
export const syncConflicts = () => call<ConflictView[]>('sync_conflicts')
/** Settles a conflict: keep the stored value, or (`keepLost`) the value not applied. */
export const syncSettleConflict = (conflictId: string, keepLost: boolean) =>
  call<null>('sync_settle_conflict', { conflictId, keepLost })

export const shiftVolunteers = () => call<Volunteer[]>('shift_volunteers')
export const shiftSignIn = (volunteerId: string, pin: string) =>
  call<Shift>('shift_sign_in', { volunteerId, pin })
export const shiftCurrent = () => call<Shift | null>('shift_current')
export const shiftHandOver = () => call<HandOver>('shift_hand_over')
export const shiftSignOut = () => call<HandOver>('shift_sign_out')
/** The summary of the shift that ended last on this tablet, for the volunteer taking over. */
export const shiftPrevious = () => call<HandOver | null>('shift_previous')

/** How a typed temperature will be stored, before storing it (the pad asks about `warnings`). */
export const gateCheckTemperature = (temperature: string) =>
  call<TemperatureCheck>('gate_check_temperature', { temperature })
/** Every error and warning of the visitor form, at its field, before the temperature. */
export const gateCheckVisitor = (visitor: VisitorInput) =>
  call<NoticeView[]>('gate_check_visitor', { visitor })

export const gateSearch = (query: string) => call<PersonCard[]>('gate_search', { query })
export const gateRegister = (
  personId: string,
  direction: 'in' | 'out',
  temperature: string,
  travel: TravelInput | null,
) => call<Registered>('gate_register', { personId, direction, temperature, travel })
export const gateRegisterVisitor = (visitor: VisitorInput) =>
  call<Registered>('gate_register_visitor', { visitor })
export const gateRemeasure = (readingId: string, temperature: string) =>
  call<ReadingResult>('gate_remeasure', { readingId, temperature })
export const gateToday = (filter: TodayFilter) => call<Today>('gate_today', { filter })
export const gateVoid = (passageId: string, reason: string) =>
  call<void>('gate_void', { passageId, reason })

let placesCache: Promise<PlaceNode[]> | null = null
/** The province → city → district tree (bundled in the app; fetched once). */
export function placesTree(): Promise<PlaceNode[]> {
  placesCache ??= call<PlaceNode[]>('places_tree').catch((e) => {
    placesCache = null
    throw e
  })
  return placesCache
}

export const reviewPassages = (range: DayRange) =>
  call<ReviewList<PassageView>>('review_passages', { range })
export const reviewReadings = (range: DayRange) =>
  call<ReviewList<ReadingView>>('review_readings', { range })
export const reviewTravels = (range: DayRange) =>
  call<ReviewList<TravelView>>('review_travels', { range })
export const reviewReturnees = () => call<TravelView[]>('review_returnees')
export const reviewPerson = (personId: string) => call<PersonPage>('review_person', { personId })
/** A person's full ID number and phone (staff only; a tablet gets `not_allowed`). */
export const reviewPersonReveal = (personId: string) => call<Revealed>('review_person_reveal', { personId })
export const observationToday = (responsible: string | null = null) =>
  call<TodayVisits>('observation_today', { responsible })
export const observationList = () => call<ObservationEntry[]>('observation_list')
export const observationOpen = (input: OpenCase) => call<ObservationEntry>('observation_open', { input })
export const observationVisit = (input: VisitInput) => call<ObservationEntry>('observation_visit', { input })
/** Changes a case's status today: `release`, `refer`, `resume`, `transfer_out`, `lose`, `cancel`, `reopen`. */
export const observationTransition = (caseId: string, kind: string, reason: string) =>
  call<ObservationEntry>('observation_transition', { caseId, kind, reason })
/** Releases in one step the confirmed cases (ids) still due for release today; the names released. */
export const observationReleaseDue = (caseIds: string[]) =>
  call<string[]>('observation_release_due', { caseIds })
/** The dashboard (概况) of a unit on a China day, counted from this device's store. */
export const dashboardShow = (query: DashboardQuery) => call<Dashboard>('dashboard_show', { query })
/** 入户排查: each compound's coverage of a day and the households to knock on. */
export const screeningCoverage = (query: CoverageQuery) => call<CoverageView>('screening_coverage', { query })
/** A household's page on a day: its members, each accounted for or not. */
export const screeningHousehold = (id: string, date: string) => call<HouseholdPage>('screening_household', { id, date })
/** 登记排查: each member's finding, newborns and new tenants, or the household found vacant. */
export const screeningRecord = (input: ScreeningInput) => call<HouseholdPage>('screening_record', { input })
/** 重点区域: the key areas this laptop holds, with their day's visits. */
export const keyAreas = (date: string) => call<KeyAreaView[]>('screening_key_areas', { date })
/** A key area's day list: its households, those still to visit first. */
export const keyAreaDay = (id: string, date: string) => call<KeyAreaDay>('screening_key_area_day', { id, date })
export const keyAreaDeclare = (input: KeyAreaInput) => call<KeyAreaView>('screening_key_area_declare', { input })
/** 解除 (`lift`), 恢复 (`reinstate`) or 延期 (`extend`, with the new review day). */
export const keyAreaChange = (id: string, kind: 'lift' | 'reinstate' | 'extend', review: string | null, reason: string) =>
  call<KeyAreaView>('screening_key_area_change', { id, kind, review, reason })
/** 入户随访 of a household. */
export const householdVisit = (input: HouseholdVisitInput) => call<void>('screening_household_visit', { input })
/** The needs list (生活需求): households whose latest visit of the week up to `date` reported needs. */
export const householdNeeds = (date: string) => call<NeedRow[]>('screening_needs', { date })
/** The duplicate review (查重): pairs that may be one person, and those answered. */
export const duplicateReview = () => call<DuplicateReview>('screening_duplicates')
/** Staff's word on a pair: `same`, `different`, or `undone`. */
export const duplicateDecide = (decision: DuplicateDecision) => call<DuplicateReview>('screening_duplicate_decide', { decision })
/** 热线举报: a list (`todo`, `open`, `overdue`, `taken_here`, `all`), of one district batch when given. */
export const hotlineList = (query: HotlineQuery) => call<HotlineList>('hotline_list', { query })
/** A report's page with its history. */
export const hotlinePage = (id: string) => call<HotlinePage>('hotline_page', { id })
/** Persons and open reports an intake may mean, as it is typed. */
export const hotlineCandidates = (query: CandidateQuery) => call<HotlineCandidates>('hotline_candidates', { query })
/** 接报: takes a report in and assigns it. */
export const hotlineIntake = (input: HotlineIntake) => call<HotlinePage>('hotline_intake', { input })
/** A step on a report: accept, start_check, check, close, reopen, reassign. */
export const hotlineAct = (input: HotlineActionInput) => call<HotlinePage>('hotline_act', { input })
/** 导入核查名单 (street laptops): the district's list, one report per person to check. */
export async function hotlineImportCheckList(file: File, batch: string): Promise<CheckListTaken> {
  const bytes = new Uint8Array(await file.arrayBuffer())
  return call<CheckListTaken>('hotline_import_check_list', bytes, {
    headers: { 'x-file-name': encodeURIComponent(file.name), 'x-batch': encodeURIComponent(batch.trim()) },
  })
}
/** Writes a batch's 核查反馈表 to the export folder. */
export const hotlineFeedbackExport = (batch: number, format: 'xlsx' | 'csv') =>
  call<ExportResult>('hotline_feedback_export', { batch, format })
/** 消杀: the day's sites with their slots (done, due, overdue), per community, the overdue list (`day` YYYY-MM-DD; empty: today). */
export const disinfectionBoard = (day: string) => call<DisinfectionBoard>('disinfection_board', { day })
/** Adds a disinfection site, or changes one (its id given); returns today's board. */
export const disinfectionSiteSave = (input: SiteInput) => call<DisinfectionBoard>('disinfection_site_save', { input })
/** Records a disinfection for a slot (or the next open one); returns the board of its day. */
export const disinfectionRecord = (input: DisinfectionInput) => call<DisinfectionBoard>('disinfection_record', { input })
/** Writes the 消杀记录表 of the China days `from`..=`to` (at most 31) to the export folder. */
export const disinfectionExport = (from: string, to: string, format: 'xlsx' | 'csv') =>
  call<ExportResult>('disinfection_export', { from, to, format })
/** 卡点消杀 (tablet): this compound's checkpoint sites with today's slots. */
export const disinfectionGate = () => call<GateDisinfection>('disinfection_gate')
/** Records the disinfection of a checkpoint site now, by the volunteers on duty. */
export const disinfectionGateRecord = (siteId: string, agent: string, method: string) =>
  call<GateDisinfection>('disinfection_gate_record', { siteId, agent, method })
/** 物资: the stock of every holder this laptop sees, transfers awaiting receipt, differences. */
export const suppliesBoard = () => call<SuppliesBoard>('supplies_board')
/** Records a stock movement (入库, 调拨, 签收, 使用, 损耗, 盘点); returns the board. */
export const suppliesRecord = (input: MovementInput) => call<SuppliesBoard>('supplies_record', { input })
/** 捐赠: the donations this laptop holds (the street's), where each line went, totals per item. */
export const suppliesDonations = () => call<DonationsBoard>('supplies_donations')
/** Records a donation received by the street (a street laptop only); returns the donations. */
export const suppliesDonationRecord = (input: DonationInput) => call<DonationsBoard>('supplies_donation_record', { input })
/** 导入捐赠台账 (street laptops): the street's 物资捐赠台账, a donation per date and donor, its stock with it. */
export async function suppliesImportDonations(file: File): Promise<DonationsTaken> {
  const bytes = new Uint8Array(await file.arrayBuffer())
  return call<DonationsTaken>('supplies_import_donations', bytes, {
    headers: { 'x-file-name': encodeURIComponent(file.name) },
  })
}
/** Writes the 物资台账 (every movement held here) to the export folder. */
export const suppliesExport = (format: 'xlsx' | 'csv') => call<ExportResult>('supplies_export', { format })
/** Writes the 捐赠公示表 (donor, items, where they went) to the export folder. */
export const suppliesDonationsExport = (format: 'xlsx' | 'csv') => call<ExportResult>('supplies_donations_export', { format })
/** 分配方案: the street's proposal for sharing an item among its communities (`available` 0: all the store holds). */
export const suppliesAllocation = (item: string, available: number, targetDays: number) =>
  call<AllocationPlan>('supplies_allocation', { item, available, targetDays })
/** Approves a plan: one dispatch from the street's store to each community with a quantity. */
export const suppliesAllocationApprove = (input: AllocationInput) => call<SuppliesBoard>('supplies_allocation_approve', { input })
/** 卡点物资 (tablet): this checkpoint's stock, deliveries to confirm, what this shift used. */
export const suppliesGate = () => call<GateSupplies>('supplies_gate')
/** Confirms a delivery to this checkpoint with what arrived, signed by the volunteer on duty's PIN. */
export const suppliesGateConfirm = (transferId: string, quantity: number, pin: string) =>
  call<GateSupplies>('supplies_gate_confirm', { transferId, quantity, pin })
/** Records what this shift used of an item at this checkpoint. */
export const suppliesGateUsed = (item: string, quantity: number) => call<GateSupplies>('supplies_gate_used', { item, quantity })
/** Writes the 排查登记表 of a day (one compound, or all held here) to the export folder. */
export const screeningExport = (date: string, compound: string | null, format: 'xlsx' | 'csv') =>
  call<ExportResult>('screening_export', { date, compound, format })
/** Writes a key area's 重点区域入户随访表 of a day to the export folder. */
export const keyAreaExport = (id: string, date: string, format: 'xlsx' | 'csv') =>
  call<ExportResult>('screening_key_area_export', { id, date, format })
/** Writes the day shown as the 日报 in the district's template (.xlsx), counted on this laptop. */
export const dashboardExport = (query: DashboardQuery, filledBy: string, phone: string) =>
  call<ExportResult>('dashboard_export', { query, filledBy, phone })
/** Signs the day's report on the street's server (签发) for a 签发人 with their PIN. */
export const reportSign = (date: string, signer: string, pin: string) => call<SignedDay>('daily_report_sign', { date, signer, pin })
/** Downloads the day's report from the street's server (the signed one when signed) as .xlsx. */
export const reportDownload = (date: string, filledBy: string, phone: string) =>
  call<ExportResult>('daily_report_download', { date, filledBy, phone })
/** A case's page: its days, visits and status changes. */
export const observationCase = (caseId: string) => call<CasePage>('observation_case', { caseId })
/** Writes the 居家观察每日随访表 for the China days `from`–`to` (at most 62). */
export const observationExport = (from: string, to: string, format: 'xlsx' | 'csv') =>
  call<ExportResult>('observation_export', { from, to, format })
/** Referrals for the emergency response group (应急处置组), waiting first. */
export const observationReferrals = (openOnly: boolean) => call<ReferralView[]>('observation_referrals', { openOnly })
export const observationReferralTake = (referralId: string, by: string | null = null) =>
  call<ReferralView>('observation_referral_take', { referralId, by })
export const observationReferralDispose = (input: DisposeInput) =>
  call<ReferralView>('observation_referral_dispose', { input })
export const volunteerList = () => call<VolunteerEntry[]>('volunteer_list')
export const volunteerCompounds = () => call<CompoundChoice[]>('volunteer_compounds')
/** Adds a volunteer with a PIN, or gives the volunteer of that name a new PIN. */
export const volunteerSave = (compoundId: string | null, name: string, pin: string) =>
  call<VolunteerEntry>('volunteer_save', { compoundId, name, pin })
export const volunteerRetire = (id: string, retired: boolean) =>
  call<VolunteerEntry>('volunteer_retire', { id, retired })
export const exportList = (kind: ExportKind, range: DayRange | null, format: 'xlsx' | 'csv') =>
  call<ExportResult>('export_list', { kind, range, format })
/** Shows an export selected in the system's file manager (`export_not_found`, `reveal_failed`). */
export const exportReveal = (fileName: string) => call<void>('export_reveal', { fileName })

/** 导入名册, step 1: sends the file's bytes raw (a roster can be 12 MB); nothing is stored yet. */
export async function importPreview(file: File, kind: 'auto' | 'residents' | 'returnees' | 'gate_log' | 'observations'): Promise<ImportPreview> {
  const bytes = new Uint8Array(await file.arrayBuffer())
  return call<ImportPreview>('import_preview', bytes, {
    headers: { 'x-file-name': encodeURIComponent(file.name), 'x-register-kind': kind },
  })
}
/** 导入名册, step 2: stores the previewed file. */
export const importCommit = (token: string) => call<ImportCommitted>('import_commit', { token })
