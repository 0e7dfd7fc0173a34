import { createApp } from 'vue'
import { createPinia } from 'pinia'
import 'vant/lib/index.css'
// Vant's keypads and swipes listen to touch events; on a laptop the mouse drives them too.
import '@vant/touch-emulator'
import './style.css'
import App from './App.vue'
import { createAppI18n } from './i18n'

createApp(App).use(createPinia()).use(createAppI18n()).mount('#app')
