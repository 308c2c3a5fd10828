import { resolve } from 'node:path';
import { defineConfig } from 'vite';

export default defineConfig({
  root: '.',
  server: { host: '127.0.0.1', port: 5173 },
  // Pre-bundled at server start: discovered later (a dynamic import in the lab or the bench), Vite
  // would re-optimise mid-session and the page's import would fail with "Outdated Optimize Dep".
  optimizeDeps: {
    include: ['@tensorflow/tfjs-core', '@tensorflow/tfjs-core/dist/register_all_gradients', '@tensorflow/tfjs-backend-webgpu', 'highlight.js/lib/core'],
  },
  build: {
    outDir: 'dist',
    target: 'es2022',
    rollupOptions: {
      input: {
        train: resolve(import.meta.dirname, 'index.html'),
        harness: resolve(import.meta.dirname, 'tests/page/index.html'),
        cli: resolve(import.meta.dirname, 'cli/page.html'),
        bench: resolve(import.meta.dirname, 'bench/page.html'),
        lab: resolve(import.meta.dirname, 'lab.html'),
      },
    },
  },
});
