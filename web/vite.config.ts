import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

const workerOrigin = process.env['BATON_WORKER_ORIGIN'] ?? 'http://127.0.0.1:8787';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  plugins: [
    svelte({ configFile: false }),
    VitePWA({
      strategies: 'generateSW',
      registerType: 'prompt',
      // Registered by web/src/lib/pwa/ through workbox-window: no inline script (the CSP forbids it).
      injectRegister: false,
      includeAssets: ['icons/*.png', 'icons/*.svg'],
      manifest: {
        name: 'Baton',
        short_name: 'Baton',
        description: 'Notes, records and files that work offline, sync, and can be checked out.',
        id: '/',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        background_color: '#f7f5f0',
        theme_color: '#1f3a5f',
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: '/icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        globPatterns: ['**/*.{js,css,html,png,svg,webmanifest}'],
        navigateFallback: '/index.html',
        // The API is never served from a cache: it is the live server or nothing.
        navigateFallbackDenylist: [/^\/api\//],
        runtimeCaching: [],
        // Web Push and notification clicks (docs/spec/locks.md L29).
        importScripts: ['/notify-sw.js'],
        cleanupOutdatedCaches: true,
        clientsClaim: true,
      },
    }),
  ],
  server: {
    port: 5173,
    proxy: { '/api': { target: workerOrigin, ws: true, changeOrigin: false } },
  },
});
