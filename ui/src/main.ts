import { createApp } from 'vue'
import { createPinia } from 'pinia'
import 'vant/lib/index.css'
import './style.css'
import App from './App.vue'
import { createAppI18n } from './i18n'

createApp(App).use(createPinia()).use(createAppI18n()).mount('#app')
