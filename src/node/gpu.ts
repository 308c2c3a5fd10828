/**
 * WebGPU in Node through Dawn (the optional npm package `webgpu`): installs the globals the
 * engine uses (navigator.gpu, GPUBufferUsage, GPUMapMode, GPUShaderStage, ...) so that
 * `initEngine()` from src/engine runs unchanged, finds an adapter (on Linux without a GPU:
 * Chromium's SwiftShader, see vulkan.ts), and keeps Dawn's event polling cheap (events.ts).
 *
 * Each way this can fail throws NodeGpuError with one line saying what to install.
 */
import { throttleDawnPolling } from './events.ts';
import { findSwiftShader, hasSystemVulkanDrivers, hasSystemVulkanLoader, preloadLibrary, vulkanDriversChosen } from './vulkan.ts';

/** A setup failure the user fixes by installing something; the CLI exits with code 2. */
export class NodeGpuError extends Error {
  override name = 'NodeGpuError';
  readonly exitCode = 2;
}

export interface NodeGpuOptions {
  /** Dawn's adapter choice by name (a prefix, case-sensitive), e.g. 'SwiftShader' or 'NVIDIA'. */
  adapter?: string;
  /** Extra Dawn options passed to `create()`, e.g. 'backend=vulkan'. */
  dawnOptions?: string[];
  /** Longest pause between polls of Dawn's events while waiting for the GPU (ms); 0: busy polling. */
  pollMs?: number;
}

export interface NodeGpu {
  /** "vendor / architecture (description)", as the browser backend prints it. */
  adapter: string;
  /** A CPU implementation of WebGPU (SwiftShader, llvmpipe, WARP): correct but slow. */
  cpuFallback: boolean;
  /** Where SwiftShader was taken from, when this module had to find it. */
  swiftShaderFrom: string | null;
}

type Dawn = { create(options: string[]): GPU; globals: Record<string, unknown> };

const INSTALL_WEBGPU = 'the Node backend needs the optional npm package `webgpu` (Dawn): run `npm install webgpu@0.6`, or use --backend browser';
const INSTALL_VULKAN = 'install the Vulkan loader (Debian/Ubuntu: `sudo apt-get install libvulkan1`) and your GPU\'s Vulkan driver, ' +
  'or Chromium (`sudo apt-get install chromium`), whose SwiftShader runs WebGPU on the CPU; or use --backend browser';

const CPU_ADAPTER = /swiftshader|llvmpipe|lavapipe|softpipe|microsoft basic render|\bwarp\b/i;

/** True for an adapter that runs WebGPU on the CPU (SwiftShader, llvmpipe, WARP): correct, but slow. */
export const isCpuAdapter = (description: string) => CPU_ADAPTER.test(description);

let installed: Promise<NodeGpu> | null = null;

/**
 * Installs WebGPU into this Node process (once; later calls return the first result) and checks
 * that an adapter exists. Call before `initEngine()`.
 */
export function installNodeGpu(options: NodeGpuOptions = {}): Promise<NodeGpu> {
  installed ??= install(options);
  return installed;
}

async function install(options: NodeGpuOptions): Promise<NodeGpu> {
  let dawn: Dawn;
  try {
    dawn = (await import(/* @vite-ignore */ WEBGPU)) as Dawn;
  } catch (e) {
    const msg = (e as Error).message;
    if (/Cannot find (package|module)/i.test(msg)) throw new NodeGpuError(INSTALL_WEBGPU);
    throw new NodeGpuError(`the npm package \`webgpu\` failed to load (${msg.split('\n')[0]}): reinstall it with \`npm install webgpu@0.6\`, or use --backend browser`);
  }
  // GPUBufferUsage, GPUMapMode, GPUShaderStage, GPUDevice, ... as in a browser.
  for (const [k, v] of Object.entries(dawn.globals)) if (!(k in globalThis)) Object.defineProperty(globalThis, k, { value: v, writable: true, configurable: true });
  throttleDawnPolling(options.pollMs ?? 4);

  const dawnOptions = [...(options.dawnOptions ?? []), ...(options.adapter ? [`adapter=${options.adapter}`] : [])];
  const linux = process.platform === 'linux';
  const systemLoader = !linux || hasSystemVulkanLoader();
  const swift = linux ? findSwiftShader() : null;
  // No system loader: take Chromium's (it also finds any hardware driver installed in the system's
  // icd.d), which spares the user Dawn's "Couldn't load Vulkan" warning.
  if (!systemLoader && swift) {
    const err = preloadLibrary(swift.loader);
    if (err) throw new NodeGpuError(`could not load ${swift.loader} (${err}): ${INSTALL_VULKAN}`);
  }
  // First the system's drivers (skipped on Linux when it has none, sparing Dawn's "no drivers" warnings).
  const chosen = vulkanDriversChosen();
  let found: Found = !linux || chosen || hasSystemVulkanDrivers() || !swift ? await requestAdapter(dawn, dawnOptions) : { gpu: null, adapter: null, error: null };
  // No adapter from them: SwiftShader, unless the user chose the drivers.
  let swiftShaderFrom: string | null = null;
  if (!found.adapter && swift && !chosen) {
    process.env.VK_ICD_FILENAMES = swift.icd;
    swiftShaderFrom = swift.dir;
    found = await requestAdapter(dawn, dawnOptions);
  }
  if (!found.adapter) throw new NodeGpuError(noAdapterMessage(found.error, options.adapter, linux && !systemLoader && !swift));
  installNavigatorGpu(found.gpu!);
  const info = found.adapter.info;
  return {
    adapter: `${info.vendor} / ${info.architecture}${info.description ? ` (${info.description})` : ''}`,
    cpuFallback: isCpuAdapter(`${info.vendor} ${info.architecture} ${info.description} ${info.device}`) ||
      Boolean((info as { isFallbackAdapter?: boolean }).isFallbackAdapter),
    swiftShaderFrom,
  };
}

/** Why there is no adapter, and what to do about it, in one line. */
function noAdapterMessage(dawnError: string | null, name: string | undefined, noLoader: boolean): string {
  if (noLoader) return `no Vulkan loader (libvulkan.so.1) on this machine: ${INSTALL_VULKAN}`;
  if (dawnError && name) {
    // Dawn: "no suitable backends found\nAvailable adapters:\n * backend: 'vulkan', name: 'SwiftShader Device (Subzero)'"
    const names = [...dawnError.matchAll(/backend: '([^']*)', name: '([^']*)'/g)].map((m) => `'${m[2]}' (${m[1]})`);
    return `Dawn has no adapter named '${name}' (a case-sensitive prefix); ${names.length ? `available: ${names.join(', ')}` : 'it found none at all'}`;
  }
  if (dawnError) return `Dawn found no adapter: ${dawnError.replace(/\s*\n\s*/g, '; ')}`;
  const chosen = process.env.VK_ICD_FILENAMES ?? process.env.VK_DRIVER_FILES;
  if (chosen && process.platform === 'linux') {
    return `Dawn found no adapter with the Vulkan drivers chosen by VK_ICD_FILENAMES/VK_DRIVER_FILES (${chosen}): check that path, or unset it to let the Node backend find one`;
  }
  return `Dawn found no WebGPU adapter: ${process.platform === 'linux' ? INSTALL_VULKAN : 'update the GPU driver, or use --backend browser'}`;
}

// Through a variable so that Vite never tries to bundle dawn.node for a browser build.
const WEBGPU = 'webgpu';

type Found = { gpu: GPU | null; adapter: GPUAdapter | null; error: string | null };

async function requestAdapter(dawn: Dawn, options: string[]): Promise<Found> {
  const gpu = dawn.create(options);
  try {
    return { gpu, adapter: await gpu.requestAdapter({ powerPreference: 'high-performance' }), error: null };
  } catch (e) {
    // e.g. "no suitable backends found / Available adapters: ..." for an unknown --adapter.
    return { gpu, adapter: null, error: (e as Error).message };
  }
}

/** navigator.gpu for the engine (Node 21+ has a navigator object, Node 20 does not). */
function installNavigatorGpu(gpu: GPU): void {
  const g = globalThis as { navigator?: object };
  if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: {}, writable: true, configurable: true });
  Object.defineProperty(g.navigator!, 'gpu', { value: gpu, writable: true, configurable: true });
}

/**
 * Drops navigator.gpu so that Node can exit: dawn.node keeps the process alive while its GPU
 * object is reachable (https://issues.chromium.org/issues/387965810).
 */
export function releaseNodeGpu(): void {
  const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
  if (nav && 'gpu' in nav) delete nav.gpu;
  installed = null;
}
