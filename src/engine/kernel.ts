/**
 * Kernels: WGSL sources from src/shaders, reflected with wgsl_reflect so that launches are
 * checked by name before WebGPU sees them, uniforms packed by field name, pipelines cached.
 *
 * Conventions every kernel follows (see any file in src/shaders):
 * - one compute entry point `main`;
 * - `@group(0) @binding(0) var<uniform> u: <Struct>` of plain u32/i32/f32 scalars (shapes, scalars);
 * - storage buffers at bindings 1.., `read` or `read_write`;
 * - workgroup size from `override WG: u32`, set from the kernel table (src/engine/kernels.ts), which
 *   also says how many workgroups a shape needs; other compile-time choices are `override`s too
 *   (ACT, OP, MODE, KIND), their values named in the table's code tables;
 * - the linear workgroup index is `wid.x + wid.y * nwg.x` because large dispatches are folded into a
 *   2-D grid by `foldWorkgroups`; every kernel guards its bounds.
 */
import { WgslReflect } from 'wgsl_reflect';
import { BindingError, ShaderCompileError } from './errors.ts';

const SOURCES = import.meta.glob('../shaders/*.wgsl', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

/** Kernel name (file name without .wgsl) -> WGSL source. */
export const kernelSources: Record<string, string> = Object.fromEntries(
  Object.entries(SOURCES).map(([path, src]) => [path.replace(/^.*\//, '').replace(/\.wgsl$/, ''), src]),
);

export type ScalarType = 'u32' | 'i32' | 'f32';
export interface UniformField { name: string; offset: number; type: ScalarType }
export interface StorageBinding { name: string; binding: number; access: 'read' | 'read_write' }

/** What reflection tells us about a kernel: its uniform struct and its storage bindings. */
export interface KernelInfo {
  name: string;
  source: string;
  uniform: { name: string; size: number; fields: UniformField[] } | null;
  storage: StorageBinding[];
  overrides: string[];
}

/** Reflects a kernel source. Throws BindingError when it breaks the conventions. */
export function reflectKernel(name: string, source: string): KernelInfo {
  const r = new WgslReflect(source);
  const entry = r.entry.compute.find((e) => e.name === 'main');
  if (!entry) throw new BindingError(`kernel '${name}' has no @compute entry point named 'main'`);
  let uniform: KernelInfo['uniform'] = null;
  const storage: StorageBinding[] = [];
  for (const group of r.getBindGroups()) {
    for (const v of group ?? []) {
      if (!v) continue;
      if (v.group !== 0) throw new BindingError(`kernel '${name}': binding '${v.name}' is in group ${v.group}; kernels use group 0 only`);
      if (v.resourceType === 0) {
        if (v.binding !== 0) throw new BindingError(`kernel '${name}': the uniform '${v.name}' must be binding 0`);
        const members = (v.type as { members?: { name: string; offset: number; type: { name: string } }[] }).members ?? [];
        const fields = members.map((m) => {
          if (m.type.name !== 'u32' && m.type.name !== 'i32' && m.type.name !== 'f32') {
            throw new BindingError(`kernel '${name}': uniform field '${m.name}' is ${m.type.name}; use plain u32/i32/f32 scalars`);
          }
          return { name: m.name, offset: m.offset, type: m.type.name as ScalarType };
        });
        uniform = { name: v.type?.name ?? v.name, size: v.size, fields };
      } else if (v.resourceType === 1) {
        storage.push({ name: v.name, binding: v.binding, access: v.access === 'read_write' ? 'read_write' : 'read' });
      } else {
        throw new BindingError(`kernel '${name}': binding '${v.name}' is not a uniform or storage buffer`);
      }
    }
  }
  storage.sort((a, b) => a.binding - b.binding);
  return { name, source, uniform, storage, overrides: r.overrides.map((o) => o.name) };
}

/** Packs named uniform values into the struct's bytes; every field must be given, no others. */
export function packUniforms(info: KernelInfo, values: Record<string, number>): ArrayBuffer {
  const u = info.uniform;
  if (!u) {
    if (Object.keys(values).length) throw new BindingError(`kernel '${info.name}' has no uniform struct but got ${Object.keys(values).join(', ')}`);
    return new ArrayBuffer(0);
  }
  const buf = new ArrayBuffer(u.size);
  const view = new DataView(buf);
  const names = new Set(u.fields.map((f) => f.name));
  for (const key of Object.keys(values)) {
    if (!names.has(key)) throw new BindingError(`kernel '${info.name}': unknown uniform '${key}' (struct ${u.name} has ${[...names].join(', ')})`);
  }
  for (const f of u.fields) {
    const v = values[f.name];
    if (v === undefined) throw new BindingError(`kernel '${info.name}': uniform '${f.name}' was not given`);
    if (f.type === 'f32') {
      view.setFloat32(f.offset, v, true);
    } else {
      const lo = f.type === 'u32' ? 0 : -(2 ** 31);
      const hi = f.type === 'u32' ? 2 ** 32 - 1 : 2 ** 31 - 1;
      if (!Number.isInteger(v) || v < lo || v > hi) {
        throw new BindingError(`kernel '${info.name}': uniform '${f.name}' is ${f.type} but got ${v}`);
      }
      if (f.type === 'u32') view.setUint32(f.offset, v, true);
      else view.setInt32(f.offset, v, true);
    }
  }
  return buf;
}

/** Splits a workgroup count over x and y when it exceeds the per-dimension limit. */
export function foldWorkgroups(count: number, maxPerDim: number): [number, number] {
  if (count <= maxPerDim) return [Math.max(count, 1), 1];
  const y = Math.ceil(count / maxPerDim);
  if (y > maxPerDim) throw new BindingError(`dispatch of ${count} workgroups exceeds ${maxPerDim}^2`);
  return [Math.ceil(count / y), y];
}

/** Creates the shader module and turns compiler errors into a ShaderCompileError with the source line. */
export async function compileModule(device: GPUDevice, info: KernelInfo): Promise<GPUShaderModule> {
  // Scoped, so a broken shader is reported once, below, and not also as an uncaptured error.
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ label: info.name, code: info.source });
  const scoped = device.popErrorScope();
  const ci = await module.getCompilationInfo();
  await scoped;
  const errors = ci.messages.filter((m) => m.type === 'error');
  if (errors.length) {
    const lines = info.source.split('\n');
    const text = errors.map((m) =>
      `  ${info.name}.wgsl:${m.lineNum}:${m.linePos}: ${m.message}\n    | ${lines[m.lineNum - 1]?.trim() ?? ''}`).join('\n');
    throw new ShaderCompileError(`kernel '${info.name}' failed to compile:\n${text}`);
  }
  return module;
}

/** The bind group layout that reflection implies: dynamic-offset uniform at 0, storage after. */
export function bindGroupLayoutFor(device: GPUDevice, info: KernelInfo): GPUBindGroupLayout {
  const entries: GPUBindGroupLayoutEntry[] = [];
  if (info.uniform) entries.push({ binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true } });
  for (const s of info.storage) {
    entries.push({ binding: s.binding, visibility: GPUShaderStage.COMPUTE, buffer: { type: s.access === 'read' ? 'read-only-storage' : 'storage' } });
  }
  return device.createBindGroupLayout({ label: info.name, entries });
}
