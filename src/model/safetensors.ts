/**
 * The safetensors checkpoint format (https://github.com/huggingface/safetensors), read and written
 * in plain TypeScript so checkpoints move between this engine, PyTorch and the browser unchanged.
 *
 * Layout of a file:
 *   bytes [0, 8)          N, the header length, unsigned 64-bit little-endian
 *   bytes [8, 8+N)        UTF-8 JSON: { name: { dtype, shape, data_offsets: [begin, end] }, ...,
 *                                       "__metadata__": { key: string value } }  (optional metadata)
 *                         padded with spaces so the data starts at a multiple of 8
 *   bytes [8+N, end)      the data; data_offsets count from byte 8+N, little-endian, row-major
 *
 * The engine works in float32, so the reader converts F16 / BF16 / F64 to float32 and the
 * writer writes F32 only.
 */
import { EngineError } from '../engine/errors.ts';

/** One tensor: row-major float32 values of `shape` (a scalar has shape [] and one value). */
export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** A malformed or unsupported safetensors file, or tensors that cannot be written. */
export class SafetensorsError extends EngineError {}

/** Bytes per element of the dtypes the reader knows, convertible or not. */
const DTYPE_SIZE: Record<string, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2,
  I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1,
  F8_E4M3: 1, F8_E5M2: 1,
};
const CONVERTIBLE = ['F32', 'F16', 'BF16', 'F64'];

/** Refuse absurd headers before decoding them (the reference implementation caps at 100 MB too). */
const MAX_HEADER_BYTES = 100_000_000;

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Serialises tensors (in the given order, packed back to back) plus optional string metadata.
 * Throws SafetensorsError on a duplicate or reserved name, a bad shape, or data whose length
 * is not the product of the shape.
 */
export function writeSafetensors(tensors: NamedTensor[], metadata?: Record<string, string>): Uint8Array {
  const seen = new Set<string>();
  // The header is built as text rather than with JSON.stringify(object): JS objects move
  // integer-like keys ("0", "1") to the front, and the order of tensors should be the caller's.
  const entries: string[] = [];
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') {
        throw new SafetensorsError(`metadata value for '${k}' must be a string, got ${typeof v}`);
      }
    }
    entries.push(`"__metadata__":${JSON.stringify(metadata)}`);
  }
  let offset = 0;
  for (const t of tensors) {
    if (t.name === '__metadata__') throw new SafetensorsError("tensor name '__metadata__' is reserved");
    if (seen.has(t.name)) throw new SafetensorsError(`duplicate tensor name '${t.name}'`);
    seen.add(t.name);
    const count = elementCount(t.shape, t.name);
    if (count !== t.data.length) {
      throw new SafetensorsError(`tensor '${t.name}': shape [${t.shape}] holds ${count} values but data has ${t.data.length}`);
    }
    const info = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * count] };
    entries.push(`${JSON.stringify(t.name)}:${JSON.stringify(info)}`);
    offset += 4 * count;
  }
  const json = new TextEncoder().encode(`{${entries.join(',')}}`);
  const headerLen = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLen + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen); // space padding keeps the header valid JSON
  let pos = 8 + headerLen;
  for (const t of tensors) {
    if (LITTLE_ENDIAN_HOST) {
      out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), pos);
    } else {
      for (let i = 0; i < t.data.length; i++) view.setFloat32(pos + 4 * i, t.data[i], true);
    }
    pos += t.data.byteLength;
  }
  return out;
}

/**
 * Parses a safetensors file. Tensors come back as float32 copies (independent of `bytes`),
 * in the order of their data in the file. Every structural problem throws SafetensorsError.
 */
export function readSafetensors(bytes: Uint8Array): { tensors: Map<string, NamedTensor>; metadata: Record<string, string> } {
  if (bytes.length < 8) {
    throw new SafetensorsError(`file too short: ${bytes.length} bytes, a safetensors file starts with an 8-byte header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLenBig = view.getBigUint64(0, true);
  if (headerLenBig > BigInt(bytes.length - 8)) {
    throw new SafetensorsError(
      `header length ${headerLenBig} goes beyond the end of the file (${bytes.length} bytes, so at most ${bytes.length - 8}); ` +
      'the file is truncated or not safetensors');
  }
  const headerLen = Number(headerLenBig);
  if (headerLen > MAX_HEADER_BYTES) throw new SafetensorsError(`header of ${headerLen} bytes is implausibly large`);

  let header: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen));
    header = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(`header is not valid UTF-8 JSON: ${(e as Error).message}`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new SafetensorsError('header JSON must be an object mapping tensor names to {dtype, shape, data_offsets}');
  }

  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const parsed: { name: string; dtype: string; shape: number[]; begin: number; end: number }[] = [];

  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
        throw new SafetensorsError('__metadata__ must be an object of string values');
      }
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') {
          throw new SafetensorsError(`__metadata__ value for '${k}' must be a string, got ${JSON.stringify(v)}`);
        }
        metadata[k] = v;
      }
      continue;
    }
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new SafetensorsError(`tensor '${name}': entry must be an object {dtype, shape, data_offsets}`);
    }
    const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
    if (typeof dtype !== 'string') throw new SafetensorsError(`tensor '${name}': dtype missing or not a string`);
    if (!Array.isArray(shape)) throw new SafetensorsError(`tensor '${name}': shape missing or not an array`);
    const count = elementCount(shape, name);
    if (!CONVERTIBLE.includes(dtype)) {
      const known = dtype in DTYPE_SIZE ? '' : ' (not a safetensors dtype)';
      throw new SafetensorsError(`tensor '${name}': unsupported dtype '${dtype}'${known}; supported: ${CONVERTIBLE.join(', ')}`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      throw new SafetensorsError(`tensor '${name}': data_offsets must be [begin, end] with non-negative integers, got ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end || end > dataLen) {
      throw new SafetensorsError(
        `tensor '${name}': data_offsets [${begin}, ${end}] out of range (data section is ${dataLen} bytes)`);
    }
    const want = count * DTYPE_SIZE[dtype];
    if (end - begin !== want) {
      throw new SafetensorsError(
        `tensor '${name}': data_offsets [${begin}, ${end}] span ${end - begin} bytes but shape [${shape}] of ${dtype} needs ${want}`);
    }
    parsed.push({ name, dtype, shape: shape as number[], begin, end });
  }

  parsed.sort((a, b) => a.begin - b.begin);
  const tensors = new Map<string, NamedTensor>();
  for (const p of parsed) {
    const data = decode(bytes, dataStart + p.begin, dataStart + p.end, p.dtype);
    tensors.set(p.name, { name: p.name, shape: [...p.shape], data });
  }
  return { tensors, metadata };
}

/** Product of a shape's dimensions, validating that each is a non-negative integer. */
function elementCount(shape: unknown[], name: string): number {
  let n = 1;
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw new SafetensorsError(`tensor '${name}': shape [${shape}] must hold non-negative integers`);
    }
    n *= d;
  }
  if (!Number.isSafeInteger(n)) throw new SafetensorsError(`tensor '${name}': shape [${shape}] is too large`);
  return n;
}

/** Bytes [start, end) of `bytes` in `dtype` (little-endian) as a fresh float32 array. */
function decode(bytes: Uint8Array, start: number, end: number, dtype: string): Float32Array {
  if (dtype === 'F32' && LITTLE_ENDIAN_HOST) {
    // slice() copies into a new, 4-aligned buffer: the data section may start at any byte
    // (headers are only 8-padded by convention) and the caller must not alias the file bytes.
    // (Uint8Array.prototype.slice, not Node's Buffer#slice, which returns a view of the whole file).
    return new Float32Array(Uint8Array.prototype.slice.call(bytes, start, end).buffer);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, end - start);
  const size = DTYPE_SIZE[dtype];
  const out = new Float32Array((end - start) / size);
  for (let i = 0; i < out.length; i++) {
    switch (dtype) {
      case 'F32': out[i] = view.getFloat32(4 * i, true); break;
      case 'F64': out[i] = view.getFloat64(8 * i, true); break;
      case 'F16': out[i] = halfToFloat(view.getUint16(2 * i, true)); break;
      case 'BF16': out[i] = bf16ToFloat(view.getUint16(2 * i, true)); break;
    }
  }
  return out;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** bfloat16 is the top half of a float32. */
function bf16ToFloat(h: number): number {
  u32[0] = h << 16;
  return f32[0];
}

/** IEEE 754 binary16 -> number (subnormals, infinities and NaN included). */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
