import { defineConfig } from 'vitest/config';

// Three projects: `node` runs pure TypeScript (the float64 reference, file formats) in Node;
// `gpu` drives headless Chromium with WebGPU through Puppeteer (see tests/support/globalSetup.ts);
// `nodegpu` runs the engine in Node itself on Dawn (the `webgpu` package, src/node), as
// `npm run train -- --backend node` does, and compares it with the browser.
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
      {
        extends: true,
        test: {
          name: 'nodegpu',
          include: ['tests/**/*.node-gpu.test.ts'],
          // The browser too: tests/parity.node-gpu.test.ts runs the same work on both.
          globalSetup: ['tests/support/globalSetup.ts'],
          fileParallelism: false,
          // After the other projects: two SwiftShaders at once on a small machine would skew the gpu timings.
          sequence: { groupOrder: 1 },
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
