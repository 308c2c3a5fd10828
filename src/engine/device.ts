/**
 * The WebGPU device: adapter and device with the adapter's real limits and optional features,
 * and clear errors for each way that can fail.
 */
import { DeviceLostError, GpuValidationError, WebGpuUnavailableError } from './errors.ts';

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  features: string[];
  limits: Record<string, number>;
}

export interface GpuContext {
  adapter: GPUAdapter;
  device: GPUDevice;
  summary: AdapterSummary;
  hasTimestamps: boolean;
  hasF16: boolean;
  hasSubgroups: boolean;
  /** Resolves when the device is lost; the engine refuses further work afterwards. */
  lost: Promise<DeviceLostError>;
  /** Uncaptured errors seen so far (cleared by takeUncapturedErrors). */
  uncaptured: GpuValidationError[];
}

const HOW_TO_GET_WEBGPU =
  'WebGPU needs a secure context (https or http://127.0.0.1/localhost) in Chrome/Edge 113+, ' +
  'Firefox 141+ on Windows, or Safari 26+. On Linux start Chromium with --enable-unsafe-webgpu; ' +
  'without a GPU, Chromium falls back to SwiftShader (a CPU Vulkan), which is slow but correct.';

const OPTIONAL_FEATURES: GPUFeatureName[] = ['timestamp-query', 'shader-f16', 'subgroups'];

// Limits the engine benefits from; each is requested at the adapter's real value.
const WANTED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
] as const;

/** Requests an adapter and a device; throws WebGpuUnavailableError naming the cause. */
export async function requestGpu(options: { powerPreference?: GPUPowerPreference } = {}): Promise<GpuContext> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) {
    const secure = (globalThis as { isSecureContext?: boolean }).isSecureContext;
    throw new WebGpuUnavailableError(
      `navigator.gpu is missing${secure === false ? ' (this page is not a secure context)' : ''}. ${HOW_TO_GET_WEBGPU}`);
  }
  const adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference ?? 'high-performance' });
  if (!adapter) {
    throw new WebGpuUnavailableError(
      `navigator.gpu.requestAdapter() returned null: the browser has WebGPU but no usable adapter. ${HOW_TO_GET_WEBGPU}`);
  }
  const requiredFeatures = OPTIONAL_FEATURES.filter((f) => adapter.features.has(f));
  const requiredLimits: Record<string, number> = {};
  for (const name of WANTED_LIMITS) requiredLimits[name] = adapter.limits[name];

  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredFeatures, requiredLimits, label: 'denoise-engine' });
  } catch (e) {
    throw new WebGpuUnavailableError(`requestDevice failed: ${(e as Error).message}`);
  }

  const info = adapter.info;
  const limits: Record<string, number> = {};
  for (const name of WANTED_LIMITS) limits[name] = device.limits[name];
  limits.minStorageBufferOffsetAlignment = device.limits.minStorageBufferOffsetAlignment;
  limits.minUniformBufferOffsetAlignment = device.limits.minUniformBufferOffsetAlignment;

  const uncaptured: GpuValidationError[] = [];
  device.addEventListener('uncapturederror', (ev) => {
    const err = (ev as GPUUncapturedErrorEvent).error;
    const e = new GpuValidationError(`Uncaptured WebGPU ${err.constructor.name}: ${err.message}`);
    uncaptured.push(e);
    console.error(e.message);
  });
  const lost = device.lost.then((info) => new DeviceLostError(info.reason, info.message));

  return {
    adapter,
    device,
    summary: {
      vendor: info.vendor,
      architecture: info.architecture,
      device: info.device,
      description: info.description,
      features: [...device.features].sort(),
      limits,
    },
    hasTimestamps: device.features.has('timestamp-query'),
    hasF16: device.features.has('shader-f16'),
    hasSubgroups: device.features.has('subgroups'),
    lost,
    uncaptured,
  };
}
