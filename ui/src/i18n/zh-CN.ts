const zhCN = {
  app: {
    title: '卡点登记',
    version: '版本 {version}',
  },
  start: {
    notEnrolled: '设备尚未注册',
    begin: '开始',
  },
  language: {
    label: '语言',
    zhCN: '中文',
    en: 'English',
  },
}

export default zhCN
