/**
 * The engine in the test's own Node process, on Dawn (src/node): one engine per test file,
 * started the way `npm run train -- --backend node` starts it (so on a Linux machine without a
 * GPU it finds Chromium's SwiftShader the same way), its adapter printed. No adapter fails
 * every test of the file with the message saying what to install: never a skip.
 */
import { beforeAll } from 'vitest';
import { type NodeEngine, startNodeEngine } from '../../src/node/index.ts';

export function useNodeEngine(): () => NodeEngine {
  let engine: NodeEngine | null = null;
  beforeAll(async () => {
    engine = await startNodeEngine();
    const from = engine.gpu.swiftShaderFrom ? ` (SwiftShader from ${engine.gpu.swiftShaderFrom})` : '';
    console.log(`[nodegpu] WebGPU adapter (Dawn): ${engine.adapter}${from}`);
  });
  return () => {
    if (!engine) throw new Error('the Node engine did not start (see the first error of this file)');
    return engine;
  };
}
