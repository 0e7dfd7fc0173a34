const zhCN = {
  app: {
    title: '卡点登记',
    version: '版本 {version}',
  },
  start: {
    begin: '开始',
    notEnrolled: '设备尚未注册',
    enrolledAt: '已注册：{place}',
    roles: { volunteer: '卡点平板', compound: '小区', community: '社区', street: '街道' },
  },
  sync: {
    online: '在线',
    offline: '离线',
    pending: '待同步 {count} 条',
    lastSync: '上次同步 {time}',
    never: '尚未同步',
    reenrol: '设备已被停用，请重新注册（本机数据都在）',
  },
  language: {
    label: '语言',
    zhCN: '中文',
    en: 'English',
  },
}

export default zhCN
