/**
 * The runtime: one device, kernels compiled once, a buffer pool, and a single pending command
 * encoder into which every op records its dispatches. `flush()` submits it (one submit per
 * training step); nothing is read back unless asked.
 */
import { type GpuContext, requestGpu } from './device.ts';
import { BindingError, DeviceLostError, EngineError, LimitError, TensorError } from './errors.ts';
import {
  type KernelInfo, bindGroupLayoutFor, compileModule, foldWorkgroups, kernelSources, packUniforms, reflectKernel,
} from './kernel.ts';
import { type Dims, KERNELS } from './kernels.ts';

/** A byte range of a GPU buffer, as bound to a kernel. */
export interface BufferView {
  buffer: GPUBuffer;
  offset: number; // bytes, a multiple of minStorageBufferOffsetAlignment
  size: number; // bytes, a multiple of 4, > 0
}

export interface LaunchArgs {
  uniforms?: Record<string, number>;
  bindings: Record<string, BufferView>;
  /**
   * The shape the kernel table's formulas take (src/engine/kernels.ts): the runtime dispatches
   * `workgroups(dims)` workgroups of the row's size, folded into 2-D when over the limit.
   */
  dims: Dims;
  /** WGSL `override` values other than WG (which comes from the kernel table), e.g. { ACT: 1 }. */
  constants?: Record<string, number>;
}

/** One dispatch timed by the profiler (see Runtime.beginProfile). */
export interface ProfiledDispatch {
  kernel: string;
  /** What `Runtime.tag` said when it was recorded (e.g. 'layers.3 forward'). */
  tag: string;
  dims: Dims;
  ms: number;
}

interface CompiledKernel {
  info: KernelInfo;
  module: GPUShaderModule;
  bindLayout: GPUBindGroupLayout;
  pipelineLayout: GPUPipelineLayout;
}

// GPUBufferUsage.STORAGE | COPY_SRC | COPY_DST, as numbers so this module also loads in Node.
const STORAGE_USAGE = 0x80 | 0x04 | 0x08;
const UNIFORM_ARENA_BYTES = 1 << 20; // 4096 dispatches of <= 256 bytes between submits
const UNIFORM_STRIDE = 256; // minUniformBufferOffsetAlignment on every adapter we know
/** WebGPU caps a query set at 4096 queries: two per profiled dispatch. */
export const MAX_PROFILED_DISPATCHES = 2048;

export interface RuntimeStats {
  dispatches: number;
  submits: number;
  buffersCreated: number;
  bytesInPool: number;
  bytesInUse: number;
  pipelines: number;
}

export class Runtime {
  readonly device: GPUDevice;
  private kernels = new Map<string, CompiledKernel>();
  private pipelines = new Map<string, GPUComputePipeline>();
  private bindGroups = new Map<string, GPUBindGroup>();
  private bufferIds = new WeakMap<GPUBuffer, number>();
  private nextBufferId = 1;
  private freeBuffers = new Map<number, GPUBuffer[]>();
  private freeStaging = new Map<number, GPUBuffer[]>();
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private uniformCpu = new Uint8Array(UNIFORM_ARENA_BYTES);
  private uniformUsed = 0;
  private uniformGpu: GPUBuffer;
  private lostError: DeviceLostError | null = null;
  readonly stats: RuntimeStats = { dispatches: 0, submits: 0, buffersCreated: 0, bytesInPool: 0, bytesInUse: 0, pipelines: 0 };
  /** Optional hook for profiling: told each dispatch's kernel name in order. */
  onDispatch: ((kernel: string) => void) | null = null;

  constructor(readonly ctx: GpuContext) {
    this.device = ctx.device;
    this.uniformGpu = this.device.createBuffer({ label: 'uniform-arena', size: UNIFORM_ARENA_BYTES, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    ctx.lost.then((e) => { this.lostError = e; });
  }

  get limits() { return this.device.limits; }

  /** Compiles every kernel in src/shaders; compile errors name the kernel and line. */
  async compileAll(onProgress?: (done: number, total: number, name: string) => void): Promise<void> {
    const names = Object.keys(kernelSources).sort();
    let done = 0;
    await Promise.all(names.map(async (name) => {
      await this.compile(name);
      onProgress?.(++done, names.length, name);
    }));
  }

  /** Compiles (once) a kernel, checking the compiler's messages. */
  async compile(name: string): Promise<CompiledKernel> {
    const have = this.kernels.get(name);
    if (have) return have;
    const info = this.info(name);
    const module = await compileModule(this.device, info);
    return this.register(name, info, module);
  }

  /** Reflection of a kernel (no GPU work). */
  info(name: string): KernelInfo {
    const source = kernelSources[name];
    if (source === undefined) throw new BindingError(`no kernel named '${name}' in src/shaders (have: ${Object.keys(kernelSources).sort().join(', ')})`);
    return reflectKernel(name, source);
  }

  private register(name: string, info: KernelInfo, module: GPUShaderModule): CompiledKernel {
    const bindLayout = bindGroupLayoutFor(this.device, info);
    const pipelineLayout = this.device.createPipelineLayout({ label: name, bindGroupLayouts: [bindLayout] });
    const k = { info, module, bindLayout, pipelineLayout };
    this.kernels.set(name, k);
    return k;
  }

  private kernelSync(name: string): CompiledKernel {
    const have = this.kernels.get(name);
    if (have) return have;
    // Not prepared with compile(): compile now; errors then arrive as uncaptured errors.
    const info = this.info(name);
    return this.register(name, info, this.device.createShaderModule({ label: name, code: info.source }));
  }

  private pipelineFor(name: string, k: CompiledKernel, constants: Record<string, number>): GPUComputePipeline {
    const ckey = name + JSON.stringify(Object.entries(constants).sort());
    let p = this.pipelines.get(ckey);
    if (!p) {
      for (const c of Object.keys(constants)) {
        if (!k.info.overrides.includes(c)) throw new BindingError(`kernel '${name}' has no override '${c}' (has: ${k.info.overrides.join(', ') || 'none'})`);
      }
      p = this.device.createComputePipeline({ label: ckey, layout: k.pipelineLayout, compute: { module: k.module, entryPoint: 'main', constants } });
      this.pipelines.set(ckey, p);
      this.stats.pipelines++;
    }
    return p;
  }

  private bufferId(b: GPUBuffer): number {
    let id = this.bufferIds.get(b);
    if (id === undefined) { id = this.nextBufferId++; this.bufferIds.set(b, id); }
    return id;
  }

  private checkAlive(): void {
    if (this.lostError) throw this.lostError;
  }

  /** Records one dispatch of a kernel into the pending encoder, after checking it against reflection. */
  launch(name: string, args: LaunchArgs): void {
    this.checkAlive();
    const k = this.kernelSync(name);
    const info = k.info;
    const row = KERNELS[name];
    if (!row) throw new BindingError(`kernel '${name}' has no row in the kernel table (src/engine/kernels.ts)`);
    for (const d of row.dims) {
      if (!Number.isInteger(args.dims?.[d])) throw new BindingError(`kernel '${name}': dims.${d} must be an integer (dims: ${row.dims.join(', ')}), got ${String(args.dims?.[d])}`);
    }

    // Bindings: exactly the reflected names, each a valid view; writable ones alias nothing.
    const given = Object.keys(args.bindings);
    for (const g of given) {
      if (!info.storage.some((s) => s.name === g)) {
        throw new BindingError(`kernel '${name}': no binding named '${g}' (bindings: ${info.storage.map((s) => s.name).join(', ')})`);
      }
    }
    const maxBinding = this.limits.maxStorageBufferBindingSize;
    const align = this.limits.minStorageBufferOffsetAlignment;
    for (const s of info.storage) {
      const v = args.bindings[s.name];
      if (!v) throw new BindingError(`kernel '${name}': binding '${s.name}' (@binding(${s.binding}), ${s.access}) was not given`);
      if (v.size <= 0 || v.size % 4 !== 0) throw new BindingError(`kernel '${name}': binding '${s.name}' has size ${v.size} bytes; sizes are positive multiples of 4`);
      if (v.size > maxBinding) throw new LimitError(`kernel '${name}': binding '${s.name}' is ${v.size} bytes, over this device's maxStorageBufferBindingSize of ${maxBinding}`);
      if (v.offset % align !== 0) throw new BindingError(`kernel '${name}': binding '${s.name}' offset ${v.offset} is not a multiple of ${align}`);
      if (v.offset + v.size > v.buffer.size) throw new BindingError(`kernel '${name}': binding '${s.name}' range ends past its buffer`);
    }
    for (const s of info.storage) {
      if (s.access !== 'read_write') continue;
      const w = args.bindings[s.name];
      for (const o of info.storage) {
        if (o === s) continue;
        const v = args.bindings[o.name];
        if (v.buffer === w.buffer && v.offset < w.offset + w.size && w.offset < v.offset + v.size) {
          throw new BindingError(`kernel '${name}': writable binding '${s.name}' overlaps binding '${o.name}'`);
        }
      }
    }

    const uniformBytes = packUniforms(info, args.uniforms ?? {});
    if (uniformBytes.byteLength > UNIFORM_STRIDE) throw new BindingError(`kernel '${name}': uniform struct over ${UNIFORM_STRIDE} bytes`);
    if (info.uniform && this.uniformUsed + UNIFORM_STRIDE > UNIFORM_ARENA_BYTES) this.flush();

    if (args.constants && 'WG' in args.constants) throw new BindingError(`kernel '${name}': WG comes from the kernel table (${row.wg}), not from constants`);
    const pipeline = this.pipelineFor(name, k, { ...args.constants, WG: row.wg });
    const entries: GPUBindGroupEntry[] = [];
    let key = name;
    if (info.uniform) {
      entries.push({ binding: 0, resource: { buffer: this.uniformGpu, offset: 0, size: info.uniform.size } });
    }
    for (const s of info.storage) {
      const v = args.bindings[s.name];
      entries.push({ binding: s.binding, resource: { buffer: v.buffer, offset: v.offset, size: v.size } });
      key += `|${this.bufferId(v.buffer)}:${v.offset}:${v.size}`;
    }
    let bindGroup = this.bindGroups.get(key);
    if (!bindGroup) {
      bindGroup = this.device.createBindGroup({ label: name, layout: k.bindLayout, entries });
      this.bindGroups.set(key, bindGroup);
    }

    const profiling = this.profile && this.profile.dispatches.length < this.profile.capacity;
    if (profiling) this.endPass(); // each profiled dispatch gets a pass of its own, with timestamps
    const pass = profiling ? this.profiledPass(name, args.dims) : this.computePass();
    pass.setPipeline(pipeline);
    if (info.uniform) {
      this.uniformCpu.set(new Uint8Array(uniformBytes), this.uniformUsed);
      pass.setBindGroup(0, bindGroup, [this.uniformUsed]);
      this.uniformUsed += UNIFORM_STRIDE;
    } else {
      pass.setBindGroup(0, bindGroup);
    }
    const [x, y] = foldWorkgroups(row.workgroups(args.dims), this.limits.maxComputeWorkgroupsPerDimension);
    pass.dispatchWorkgroups(x, y, 1);
    if (profiling) this.endPass();
    this.stats.dispatches++;
    this.onDispatch?.(name);
  }

  // ---- profiling ------------------------------------------------------------------------------

  /** A label recorded with each profiled dispatch (set by whoever knows: a layer, 'optimizer'). */
  tag = '';
  private profile: { querySet: GPUQuerySet; capacity: number; dispatches: { kernel: string; tag: string; dims: Dims }[] } | null = null;

  /**
   * Starts timing every dispatch (up to `capacity`) with timestamp queries, each in a compute pass
   * of its own. Needs the 'timestamp-query' feature. Results come from endProfile().
   */
  beginProfile(capacity = MAX_PROFILED_DISPATCHES): void {
    if (!this.ctx.hasTimestamps) throw new EngineError("profiling needs the adapter's 'timestamp-query' feature, which this one lacks");
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_PROFILED_DISPATCHES) {
      throw new EngineError(`beginProfile: capacity must be an integer in 1..${MAX_PROFILED_DISPATCHES} (two timestamps each, ${2 * MAX_PROFILED_DISPATCHES} per query set at most), got ${capacity}`);
    }
    if (this.profile) throw new EngineError('a profile is already running');
    this.flush();
    this.profile = { querySet: this.device.createQuerySet({ label: 'profile', type: 'timestamp', count: 2 * capacity }), capacity, dispatches: [] };
  }

  /** Stops profiling, waits for the GPU and returns each dispatch's time in order. */
  async endProfile(): Promise<ProfiledDispatch[]> {
    const p = this.profile;
    if (!p) throw new EngineError('endProfile() without beginProfile()');
    this.profile = null;
    const n = p.dispatches.length;
    const bytes = Math.max(16, n * 16);
    const resolve = this.device.createBuffer({ label: 'profile resolve', size: bytes, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    const staging = this.device.createBuffer({ label: 'profile read', size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    if (n) {
      const enc = this.commandEncoder();
      enc.resolveQuerySet(p.querySet, 0, 2 * n, resolve, 0);
      enc.copyBufferToBuffer(resolve, 0, staging, 0, bytes);
    }
    this.flush();
    await staging.mapAsync(GPUMapMode.READ);
    const t = new BigInt64Array(staging.getMappedRange().slice(0));
    staging.unmap();
    for (const b of [resolve, staging]) b.destroy();
    p.querySet.destroy();
    // Timestamps are nanoseconds (quantised by some browsers); a begin after its end reads as 0.
    return p.dispatches.map((d, i) => ({ ...d, ms: Math.max(0, Number(t[2 * i + 1] - t[2 * i])) / 1e6 }));
  }

  private profiledPass(kernel: string, dims: Dims): GPUComputePassEncoder {
    const p = this.profile!;
    const i = p.dispatches.length;
    p.dispatches.push({ kernel, tag: this.tag, dims: { ...dims } });
    this.pass = this.commandEncoder().beginComputePass({
      label: kernel,
      timestampWrites: { querySet: p.querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 },
    });
    return this.pass;
  }

  private endPass(): void {
    if (this.pass) { this.pass.end(); this.pass = null; }
  }

  /** The pending encoder (created on demand). Ends the compute pass: use for copies and clears. */
  commandEncoder(): GPUCommandEncoder {
    this.checkAlive();
    if (this.pass) { this.pass.end(); this.pass = null; }
    if (!this.encoder) this.encoder = this.device.createCommandEncoder({ label: 'step' });
    return this.encoder;
  }

  private computePass(): GPUComputePassEncoder {
    if (!this.pass) this.pass = this.commandEncoder().beginComputePass();
    return this.pass;
  }

  /** True when commands are recorded but not yet submitted. */
  get pending(): boolean { return this.encoder !== null; }

  /** Submits everything recorded so far in one command buffer. */
  flush(): void {
    this.checkAlive();
    if (!this.encoder) return;
    if (this.pass) { this.pass.end(); this.pass = null; }
    if (this.uniformUsed) this.device.queue.writeBuffer(this.uniformGpu, 0, this.uniformCpu, 0, this.uniformUsed);
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.uniformUsed = 0;
    this.stats.submits++;
  }

  /** Flushes and waits until the GPU has finished all submitted work. */
  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    this.checkAlive();
  }

  // ---- buffers ----------------------------------------------------------------------------

  /** Bytes a tensor of `elements` float32 values occupies in the pool (rounded so buckets are shared). */
  static poolBytes(elements: number): number {
    return Math.max(256, Math.ceil((elements * 4) / 256) * 256);
  }

  /** A storage buffer of at least `bytes` from the pool (allocates only on a miss). */
  acquire(bytes: number, what = 'tensor'): GPUBuffer {
    this.checkAlive();
    const limit = Math.min(this.limits.maxBufferSize, this.limits.maxStorageBufferBindingSize);
    if (bytes > limit) {
      throw new LimitError(`${what} needs ${bytes} bytes, over this device's limit of ${limit} bytes per buffer (maxBufferSize/maxStorageBufferBindingSize); use a smaller batch or image`);
    }
    const size = Runtime.poolBytes(Math.ceil(bytes / 4));
    const list = this.freeBuffers.get(size);
    const b = list?.pop();
    this.stats.bytesInUse += size;
    if (b) { this.stats.bytesInPool -= size; return b; }
    this.stats.buffersCreated++;
    return this.device.createBuffer({ label: what, size, usage: STORAGE_USAGE });
  }

  /** Returns a buffer to the pool. Safe with pending work: later commands run after earlier ones. */
  release(b: GPUBuffer): void {
    const list = this.freeBuffers.get(b.size) ?? [];
    list.push(b);
    this.freeBuffers.set(b.size, list);
    this.stats.bytesInUse -= b.size;
    this.stats.bytesInPool += b.size;
  }

  /** Destroys pooled buffers (and the bind groups that named them). */
  trimPool(): void {
    for (const pool of [this.freeBuffers, this.freeStaging]) {
      for (const list of pool.values()) for (const b of list) b.destroy();
      pool.clear();
    }
    this.bindGroups.clear();
    this.stats.bytesInPool = 0;
  }

  /** Writes host data into a view. Pending commands are submitted first so they see the old contents. */
  write(view: BufferView, data: Float32Array | Uint32Array | Int32Array): void {
    this.checkAlive();
    if (data.byteLength > view.size) throw new TensorError(`write of ${data.byteLength} bytes into a ${view.size}-byte view`);
    // queue.writeBuffer runs before any later submit, so unsubmitted commands reading this
    // (possibly recycled) buffer must be submitted first.
    this.flush();
    this.device.queue.writeBuffer(view.buffer, view.offset, data.buffer, data.byteOffset, data.byteLength);
  }

  /** Copies a view back to the host (submits pending work). Staging buffers are pooled too. */
  async read(view: BufferView): Promise<ArrayBuffer> {
    const size = Runtime.poolBytes(view.size / 4);
    let staging = this.freeStaging.get(size)?.pop();
    if (!staging) {
      staging = this.device.createBuffer({ label: 'readback', size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      this.stats.buffersCreated++;
    }
    this.commandEncoder().copyBufferToBuffer(view.buffer, view.offset, staging, 0, view.size);
    this.flush();
    const lost = this.ctx.lost.then((e) => { throw e; });
    await Promise.race([staging.mapAsync(GPUMapMode.READ, 0, view.size), lost]);
    const out = staging.getMappedRange(0, view.size).slice(0);
    staging.unmap();
    const list = this.freeStaging.get(size) ?? [];
    list.push(staging);
    this.freeStaging.set(size, list);
    return out;
  }
}

let current: Runtime | null = null;

/** Initialises the engine once: device, then every kernel compiled and checked. */
export async function initEngine(options: { onProgress?: (done: number, total: number, name: string) => void } = {}): Promise<Runtime> {
  if (current) return current;
  const ctx = await requestGpu();
  const rt = new Runtime(ctx);
  await rt.compileAll(options.onProgress);
  current = rt;
  lostError = null;
  ctx.lost.then((e) => { if (current === rt) { current = null; lostError = e; } });
  return rt;
}

/** Why the last runtime went away, until initEngine() makes a new one. */
let lostError: DeviceLostError | null = null;

/**
 * The initialised runtime. Throws a clear error before initEngine() has finished, and the
 * DeviceLostError once its device is lost (so that work after a loss fails as a loss, which
 * callers recover from, not as a setup error).
 */
export function runtime(): Runtime {
  if (!current) throw lostError ?? new EngineError('the engine is not initialised: await initEngine() first');
  return current;
}

/** For tests: forget the runtime (after device.destroy()). */
export function resetEngine(): void { current = null; lostError = null; }
