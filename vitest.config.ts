import { defineConfig } from 'vitest/config';

// Two projects: `node` runs pure TypeScript (the float64 reference, file formats) in Node;
// `gpu` drives headless Chromium with WebGPU through Puppeteer (see tests/support/globalSetup.ts).
export default defineConfig({
  // wgsl_reflect's "main" is a CommonJS build inside a "type": "module" package; Node needs the ESM one.
  resolve: { alias: { wgsl_reflect: 'wgsl_reflect/wgsl_reflect.module.js' } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['tests/**/*.node.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'gpu',
          include: ['tests/**/*.gpu.test.ts'],
          globalSetup: ['tests/support/globalSetup.ts'],
          // One browser, one SwiftShader: files run one after another so timings stay sane.
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
