import type { Plugin } from 'vite'

// Vant's icon font is embedded as a base64 woff2 but also lists a CDN-hosted
// woff as a second source. The app must work offline and never reach the
// network, so drop any protocol-relative or http(s) url() from Vant's CSS.
const REMOTE_URL_SOURCE = /,\s*url\((?:https?:)?\/\/[^)]*\)(?:\s*format\([^)]*\))?/g

export function stripRemoteCssUrls(css: string): string {
  return css.replace(REMOTE_URL_SOURCE, '')
}

export function offlineVantCss(): Plugin {
  return {
    name: 'kadian:offline-vant-css',
    enforce: 'pre',
    transform(code, id) {
      if (!/[\\/]node_modules[\\/]vant[\\/].*\.css(?:\?.*)?$/.test(id)) return null
      return { code: stripRemoteCssUrls(code), map: null }
    },
  }
}
