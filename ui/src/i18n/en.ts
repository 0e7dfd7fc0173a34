import type { MessageSchema } from './index'

const en: MessageSchema = {
  app: {
    title: 'Checkpoint Log',
    version: 'Version {version}',
  },
  start: {
    begin: 'Start',
    notEnrolled: 'This device is not enrolled yet',
    enrolledAt: 'Enrolled: {place}',
    roles: { volunteer: 'Checkpoint tablet', compound: 'Compound', community: 'Community', street: 'Street' },
  },
  sync: {
    online: 'Online',
    offline: 'Offline',
    pending: '{count} waiting to sync',
    lastSync: 'Last sync {time}',
    never: 'Not synced yet',
    reenrol: 'This device was revoked; enrol it again (local data is kept)',
  },
  language: {
    label: 'Language',
    zhCN: '中文',
    en: 'English',
  },
}

export default en
