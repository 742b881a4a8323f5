import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The dashboard: a React SPA under src/dashboard, built to dist/dashboard and served by `tenure serve` at `/`. */
export default defineConfig({
  root: fileURLToPath(new URL('./src/dashboard', import.meta.url)),
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist/dashboard', import.meta.url)),
    emptyOutDir: true,
    // bench/dashboard-bundle.ts reads the manifest to tell initial JavaScript from lazy chunks.
    manifest: true,
    // ECharts and React Flow are split into their own chunks by the lazy imports; this only silences the size hint for them.
    chunkSizeWarningLimit: 1_200,
    reportCompressedSize: true,
  },
  server: {
    // `npm run dev:dashboard` proxies the API to a running `tenure serve`.
    proxy: { '/api': 'http://127.0.0.1:3000', '/v1': 'http://127.0.0.1:3000', '/health': 'http://127.0.0.1:3000' },
  },
});
