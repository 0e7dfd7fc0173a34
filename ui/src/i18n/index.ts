import { createI18n } from 'vue-i18n'
import { Locale as VantLocale } from 'vant'
import vantZhCN from 'vant/es/locale/lang/zh-CN'
import vantEnUS from 'vant/es/locale/lang/en-US'
import zhCN from './zh-CN'
import en from './en'

export type MessageSchema = typeof zhCN
export type AppLocale = 'zh-CN' | 'en'

export const SUPPORTED_LOCALES: readonly AppLocale[] = ['zh-CN', 'en']
export const DEFAULT_LOCALE: AppLocale = 'zh-CN'

export const messages: Record<AppLocale, MessageSchema> = {
  'zh-CN': zhCN,
  en,
}

export function createAppI18n(locale: AppLocale = DEFAULT_LOCALE) {
  return createI18n<[MessageSchema], AppLocale, false>({
    legacy: false,
    locale,
    fallbackLocale: 'en',
    messages,
  })
}

/** Keep Vant's built-in component texts (dialogs, pickers…) in step with the app locale. */
export function applyVantLocale(locale: AppLocale): void {
  if (locale === 'en') VantLocale.use('en-US', vantEnUS)
  else VantLocale.use('zh-CN', vantZhCN)
}
