/**
 * The engine under Node: WebGPU from Dawn (gpu.ts) and a software OffscreenCanvas for the
 * PNGs (canvas.ts), then the engine's own initEngine(). Everything above src/engine (sessions,
 * data, checkpoints) then runs as in the browser.
 *
 *   const { runtime, gpu } = await startNodeEngine({ adapter: 'SwiftShader' });
 */
import { type Runtime, initEngine } from '../engine/index.ts';
import { installCanvas } from './canvas.ts';
import { type NodeGpu, type NodeGpuOptions, installNodeGpu } from './gpu.ts';

export { NodeGpuError, type NodeGpu, type NodeGpuOptions, installNodeGpu, releaseNodeGpu } from './gpu.ts';
export { installCanvas } from './canvas.ts';

export interface NodeEngine {
  runtime: Runtime;
  gpu: NodeGpu;
  /** "vendor / architecture (description)" of the device the engine got. */
  adapter: string;
}

/**
 * Installs WebGPU and the canvas into this Node process and initialises the engine (compiling
 * every kernel). Throws NodeGpuError (install something; exit code 2) or the engine's own errors.
 */
export async function startNodeEngine(options: NodeGpuOptions = {}): Promise<NodeEngine> {
  installCanvas();
  const gpu = await installNodeGpu(options);
  const runtime = await initEngine();
  const a = runtime.ctx.summary;
  return { runtime, gpu, adapter: `${a.vendor} / ${a.architecture}${a.description ? ` (${a.description})` : ''}` };
}
