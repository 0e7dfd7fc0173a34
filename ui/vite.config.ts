/// <reference types="vitest/config" />
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import { offlineVantCss } from './build-plugins/offline-css'

// Tauri loads the built files from disk, so asset paths must be relative.
export default defineConfig({
  base: './',
  plugins: [vue(), offlineVantCss()],
  clearScreen: false,
  server: {
    port: 1420,
    strictPort: true,
  },
  envPrefix: ['VITE_', 'TAURI_ENV_'],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2021',
    // The dashboard's chunk carries ECharts (line charts only, tree-shaken: about 540 kB, read from
    // disk, never downloaded); the gate's own chunk stays under 500 kB.
    chunkSizeWarningLimit: 600,
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['src/test-setup.ts'],
    include: ['src/**/*.spec.ts', 'tests/**/*.spec.ts', 'build-plugins/**/*.spec.ts'],
  },
})
