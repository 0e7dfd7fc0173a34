import type { MessageSchema } from './index'

const en: MessageSchema = {
  app: {
    title: 'Checkpoint Log',
    version: 'Version {version}',
  },
  start: {
    notEnrolled: 'This device is not enrolled yet',
    begin: 'Start',
  },
  language: {
    label: 'Language',
    zhCN: '中文',
    en: 'English',
  },
}

export default en
