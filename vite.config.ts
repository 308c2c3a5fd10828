import { resolve } from 'node:path';
import { defineConfig } from 'vite';

export default defineConfig({
  root: '.',
  server: { host: '127.0.0.1', port: 5173 },
  build: {
    outDir: 'dist',
    target: 'es2022',
    rollupOptions: {
      input: {
        train: resolve(import.meta.dirname, 'index.html'),
        harness: resolve(import.meta.dirname, 'tests/page/index.html'),
        cli: resolve(import.meta.dirname, 'cli/page.html'),
      },
    },
  },
});
