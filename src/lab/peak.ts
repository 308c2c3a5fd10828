/**
 * The adapter's ceilings, measured on the engine's device so that the benchmark can quote each
 * row as a share of them: arithmetic (GFLOP/s, register-only FMA chains, peak_fma.wgsl) and
 * memory bandwidth (GB/s, a large vec4 copy, peak_copy.wgsl). They are lab kernels, not engine
 * kernels: compiled here into pipelines of their own, not launched through rt.launch and not in
 * the kernel table. Their dispatches are recorded into the runtime's pending encoder, so
 * timing.ts times them exactly like engine work.
 */
import { compileModule, foldWorkgroups, reflectKernel } from '../engine/kernel.ts';
import { runtime } from '../engine/runtime.ts';
import { type TimeOptions, type Timing, timeGpu } from './timing.ts';

/** The ceilings are the GPU's alone: brackets and dispatches go in one command buffer. */
const timeAlone = (record: () => void, o: TimeOptions) => timeGpu(record, () => undefined, { ...o, separateBegin: false });
import fmaSource from './peak_fma.wgsl?raw';
import copySource from './peak_copy.wgsl?raw';

export interface Peak {
  /** Best FP32 multiply-add rate seen, GFLOP/s (1 multiply-add = 2 FLOP). */
  gflops: number;
  /** Best copy rate seen, GB/s (bytes read + bytes written, 1 GB = 1e9 bytes). */
  gbps: number;
}

const WG = 256;
/** FLOP per invocation per loop trip of peak_fma.wgsl: 2 * 4 lanes * 8 chains * 4 rounds. */
const FLOP_PER_TRIP = 2 * 4 * 8 * 4;
/** FMA invocations: enough threads to fill a large GPU (an H100 holds ~270k resident). */
const FMA_INVOCATIONS = 1024 * WG;
/** GPU time one FMA dispatch is sized to; timeGpu batches dispatches up to its 50 ms samples. */
const FMA_DISPATCH_MS = 20;
/** Bytes of each copy buffer: past any last-level cache (an H100's L2 is 50 MB). */
const COPY_BYTES = 64 << 20;

interface Kernel { pipeline: GPUComputePipeline; bindGroup: GPUBindGroup; workgroups: [number, number] }

async function pipelineOf(name: string, source: string): Promise<{ pipeline: GPUComputePipeline }> {
  const device = runtime().device;
  const module = await compileModule(device, reflectKernel(name, source));
  const pipeline = await device.createComputePipelineAsync({ label: name, layout: 'auto', compute: { module, entryPoint: 'main', constants: { WG } } });
  return { pipeline };
}

/** Records one dispatch of a lab kernel into the runtime's pending encoder. */
function record(k: Kernel): void {
  const pass = runtime().commandEncoder().beginComputePass({ label: k.pipeline.label });
  pass.setPipeline(k.pipeline);
  pass.setBindGroup(0, k.bindGroup);
  pass.dispatchWorkgroups(k.workgroups[0], k.workgroups[1], 1);
  pass.end();
}

/** GFLOP/s of the FMA kernel: sized from a short first run, then timed. */
async function measureFma(reps: number): Promise<{ gflops: number; timing: Timing }> {
  const rt = runtime();
  const device = rt.device;
  const { pipeline } = await pipelineOf('peak_fma', fmaSource);
  const uniform = device.createBuffer({ label: 'peak_fma u', size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  const out = device.createBuffer({ label: 'peak_fma out', size: FMA_INVOCATIONS * 16, usage: GPUBufferUsage.STORAGE });
  try {
    const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: uniform } }, { binding: 1, resource: { buffer: out } }] });
    const k: Kernel = { pipeline, bindGroup, workgroups: foldWorkgroups(FMA_INVOCATIONS / WG, rt.limits.maxComputeWorkgroupsPerDimension) };
    // U { trips: u32, m: f32, c: f32 }
    const setTrips = (trips: number) => {
      const u = new ArrayBuffer(16);
      new Uint32Array(u)[0] = trips;
      new Float32Array(u).set([0.999, 0.001], 1);
      device.queue.writeBuffer(uniform, 0, u);
    };
    // A short run says how fast this adapter is; one dispatch is then sized to ~FMA_DISPATCH_MS.
    let trips = 8;
    setTrips(trips);
    const probe = await timeAlone(() => record(k), { reps: 3, batch: 1 });
    trips = Math.round(Math.min(1 << 16, Math.max(8, (trips * FMA_DISPATCH_MS) / Math.max(probe.min_ms, 1e-3))));
    setTrips(trips);
    const timing = await timeAlone(() => record(k), { reps });
    return { gflops: (FLOP_PER_TRIP * trips * FMA_INVOCATIONS) / (timing.min_ms * 1e6), timing };
  } finally {
    uniform.destroy();
    out.destroy();
  }
}

/** GB/s of the copy kernel. */
async function measureCopy(reps: number): Promise<{ gbps: number; timing: Timing }> {
  const rt = runtime();
  const device = rt.device;
  const { pipeline } = await pipelineOf('peak_copy', copySource);
  const bytes = Math.min(COPY_BYTES, rt.limits.maxStorageBufferBindingSize, rt.limits.maxBufferSize) & ~(WG * 16 - 1);
  const count = bytes / 16;
  const uniform = device.createBuffer({ label: 'peak_copy u', size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  // Zero-initialised by WebGPU; the values do not matter to a copy.
  const src = device.createBuffer({ label: 'peak_copy src', size: bytes, usage: GPUBufferUsage.STORAGE });
  const dst = device.createBuffer({ label: 'peak_copy dst', size: bytes, usage: GPUBufferUsage.STORAGE });
  try {
    device.queue.writeBuffer(uniform, 0, new Uint32Array([count, 0, 0, 0]));
    const bindGroup = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [{ binding: 0, resource: { buffer: uniform } }, { binding: 1, resource: { buffer: src } }, { binding: 2, resource: { buffer: dst } }],
    });
    const k: Kernel = { pipeline, bindGroup, workgroups: foldWorkgroups(count / WG, rt.limits.maxComputeWorkgroupsPerDimension) };
    const timing = await timeAlone(() => record(k), { reps });
    return { gbps: (2 * bytes) / (timing.min_ms * 1e6), timing };
  } finally {
    for (const b of [uniform, src, dst]) b.destroy();
  }
}

/**
 * Measures both ceilings on the engine's device (initEngine first): the best (minimum-time)
 * sample of each, after a first run. A few seconds on SwiftShader, well under one on a GPU.
 */
export async function measurePeak(opts: { reps?: number } = {}): Promise<Peak & { fma: Timing; copy: Timing }> {
  const reps = opts.reps ?? 5;
  const fma = await measureFma(reps);
  const copy = await measureCopy(reps);
  return { gflops: fma.gflops, gbps: copy.gbps, fma: fma.timing, copy: copy.timing };
}
