import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type NamedTensor, SafetensorsError, readSafetensors, writeSafetensors } from '../src/model/safetensors.ts';

/** A file from a header text (not padded) and raw data bytes. */
function file(header: string, data: Uint8Array | number[] = []): Uint8Array {
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function expectError(bytes: Uint8Array, message: RegExp): void {
  let err: unknown;
  try {
    readSafetensors(bytes);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(SafetensorsError);
  expect((err as Error).message).toMatch(message);
}

describe('writeSafetensors / readSafetensors round trip', () => {
  it('keeps names, shapes, values, order and metadata', () => {
    const tensors: NamedTensor[] = [
      { name: 'b', shape: [2, 3], data: new Float32Array([1, -2, 3.5, 1e-30, -0, 6]) },
      { name: '10', shape: [], data: new Float32Array([Math.PI]) },
      { name: '2', shape: [0, 4], data: new Float32Array(0) },
      { name: 'a', shape: [1], data: new Float32Array([NaN]) },
    ];
    const bytes = writeSafetensors(tensors, { epoch: '3', note: 'héllo "quoted"' });
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLen % 8).toBe(0);
    expect(bytes.length).toBe(8 + headerLen + 4 * (6 + 1 + 0 + 1));

    const { tensors: back, metadata } = readSafetensors(bytes);
    expect([...back.keys()]).toEqual(['b', '10', '2', 'a']);
    expect(metadata).toEqual({ epoch: '3', note: 'héllo "quoted"' });
    for (const t of tensors) {
      const r = back.get(t.name)!;
      expect(r.shape).toEqual(t.shape);
      expect(Array.from(r.data)).toEqual(Array.from(t.data));
    }
    // The header lists tensors in the caller's order even for integer-like names.
    const header = new TextDecoder().decode(bytes.subarray(8, 8 + headerLen));
    expect(header.indexOf('"b"')).toBeLessThan(header.indexOf('"10"'));
    expect(header.indexOf('"10"')).toBeLessThan(header.indexOf('"2"'));
  });

  it('writes a subarray view with its own offset correctly, and copies on read', () => {
    const big = new Float32Array([9, 9, 1, 2, 3, 9]);
    const bytes = writeSafetensors([{ name: 'x', shape: [3], data: big.subarray(2, 5) }]);
    const x = readSafetensors(bytes).tensors.get('x')!;
    expect(Array.from(x.data)).toEqual([1, 2, 3]);
    bytes.fill(0);
    expect(Array.from(x.data)).toEqual([1, 2, 3]);
  });

  it('reads data that starts at an unaligned offset', () => {
    // Header of 5 bytes+JSON: data begins at byte 8 + header length, not a multiple of 4.
    const header = '{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    expect((8 + header.length) % 4).not.toBe(0);
    const data = new Uint8Array(new Float32Array([1.5, -2.25]).buffer);
    expect(Array.from(readSafetensors(file(header, data)).tensors.get('w')!.data)).toEqual([1.5, -2.25]);
  });

  it('converts F16, BF16 and F64 to float32', () => {
    const f16 = [0x3c00, 0xc000, 0x3555, 0x0001, 0x7c00, 0x0000]; // 1, -2, ~1/3, 2^-24, inf, 0
    const bf16 = [0x3f80, 0xc0a0]; // 1, -5
    const f64 = [0.1, -1e10];
    const data = new Uint8Array(12 + 4 + 16);
    const v = new DataView(data.buffer);
    f16.forEach((h, i) => v.setUint16(2 * i, h, true));
    bf16.forEach((h, i) => v.setUint16(12 + 2 * i, h, true));
    f64.forEach((x, i) => v.setFloat64(16 + 8 * i, x, true));
    const header = JSON.stringify({
      h: { dtype: 'F16', shape: [6], data_offsets: [0, 12] },
      b: { dtype: 'BF16', shape: [2], data_offsets: [12, 16] },
      d: { dtype: 'F64', shape: [2], data_offsets: [16, 32] },
    });
    const { tensors } = readSafetensors(file(header, data));
    const h = Array.from(tensors.get('h')!.data);
    expect(h[0]).toBe(1);
    expect(h[1]).toBe(-2);
    expect(h[2]).toBeCloseTo(1 / 3, 3);
    expect(h[3]).toBe(2 ** -24);
    expect(h[4]).toBe(Infinity);
    expect(h[5]).toBe(0);
    expect(Array.from(tensors.get('b')!.data)).toEqual([1, -5]);
    expect(Array.from(tensors.get('d')!.data)).toEqual([Math.fround(0.1), -1e10]);
  });
});

describe('the DnCNN checkpoint in models/', () => {
  const { tensors, metadata } = readSafetensors(new Uint8Array(readFileSync('models/dncnn_s25_folded.safetensors')));

  it('has 17 layers of weight, weight_hwio and bias with the right shapes', () => {
    expect(tensors.size).toBe(17 * 3);
    expect(tensors.get('layers.0.weight_hwio')!.shape).toEqual([3, 3, 1, 64]);
    expect(tensors.get('layers.0.weight')!.shape).toEqual([64, 1, 3, 3]);
    expect(tensors.get('layers.16.weight_hwio')!.shape).toEqual([3, 3, 64, 1]);
    for (let i = 1; i < 16; i++) expect(tensors.get(`layers.${i}.weight_hwio`)!.shape).toEqual([3, 3, 64, 64]);
    expect(tensors.get('layers.7.bias')!.shape).toEqual([64]);
    expect(Array.from(tensors.get('layers.16.bias')!.data)).toEqual([0]);
    expect(metadata.architecture).toMatch(/17 layers/);
    expect(metadata.bn_eps).toBe('0.0001');
  });

  it('holds weight (OIHW) and weight_hwio (HWIO) as the same values transposed', () => {
    let compared = 0;
    for (let l = 0; l < 17; l++) {
      const oihw = tensors.get(`layers.${l}.weight`)!;
      const hwio = tensors.get(`layers.${l}.weight_hwio`)!;
      const [co, ci, kh, kw] = oihw.shape;
      expect(hwio.shape).toEqual([kh, kw, ci, co]);
      let mismatches = 0;
      for (let o = 0; o < co; o++) for (let i = 0; i < ci; i++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) {
        const a = oihw.data[((o * ci + i) * kh + y) * kw + x];
        const b = hwio.data[((y * kw + x) * ci + i) * co + o];
        if (a !== b) mismatches++;
        compared++;
      }
      expect(mismatches).toBe(0);
    }
    expect(compared).toBe(2 * 9 * 64 + 15 * 9 * 64 * 64);
    // Not all zeros: the comparison above would pass trivially on an empty file.
    expect(tensors.get('layers.5.weight')!.data.some((v) => v !== 0)).toBe(true);
  });
});

describe('malformed files give clear SafetensorsErrors', () => {
  const f32 = (...v: number[]) => new Uint8Array(new Float32Array(v).buffer);

  it('file too short', () => expectError(new Uint8Array(5), /file too short: 5 bytes/));

  it('header length beyond the file', () => {
    const b = file('{}');
    new DataView(b.buffer).setBigUint64(0, 1000n, true);
    expectError(b, /header length 1000 goes beyond the end of the file \(10 bytes/);
    new DataView(b.buffer).setBigUint64(0, 0xffffffffffffffffn, true);
    expectError(b, /beyond the end of the file/);
  });

  it('header not JSON', () => {
    expectError(file('{"a": nope}'), /header is not valid UTF-8 JSON/);
    expectError(file('[1,2]'), /header JSON must be an object/);
    const bad = file('{"a":1}');
    bad[10] = 0xff; // invalid UTF-8
    expectError(bad, /not valid UTF-8 JSON/);
  });

  it('data_offsets out of range', () => {
    expectError(file('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', f32(1)),
      /tensor 'a': data_offsets \[0, 8\] out of range \(data section is 4 bytes\)/);
    expectError(file('{"a":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}', f32(1)), /out of range/);
    expectError(file('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}}', f32(1)), /data_offsets must be \[begin, end\]/);
    expectError(file('{"a":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}', f32(1)), /data_offsets must be/);
  });

  it('data_offsets that do not match shape times dtype size', () => {
    expectError(file('{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', f32(1, 2)),
      /tensor 'a': data_offsets \[0, 8\] span 8 bytes but shape \[3\] of F32 needs 12/);
  });

  it('bad shape', () => {
    expectError(file('{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}', f32(1)), /shape \[-1\] must hold non-negative integers/);
    expectError(file('{"a":{"dtype":"F32","data_offsets":[0,4]}}', f32(1)), /shape missing/);
  });

  it('unsupported dtype', () => {
    expectError(file('{"a":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}}', f32(1)),
      /tensor 'a': unsupported dtype 'I32'; supported: F32, F16, BF16, F64/);
    expectError(file('{"a":{"dtype":"Q7","shape":[1],"data_offsets":[0,4]}}', f32(1)), /'Q7' \(not a safetensors dtype\)/);
    expectError(file('{"a":{"shape":[1],"data_offsets":[0,4]}}', f32(1)), /dtype missing/);
  });

  it('non-string metadata', () => {
    expectError(file('{"__metadata__":{"epoch":3}}'), /__metadata__ value for 'epoch' must be a string, got 3/);
    expectError(file('{"__metadata__":"x"}'), /__metadata__ must be an object/);
  });

  it('writer rejects inconsistent tensors', () => {
    expect(() => writeSafetensors([{ name: 'a', shape: [2, 2], data: new Float32Array(3) }]))
      .toThrow(/shape \[2,2\] holds 4 values but data has 3/);
    expect(() => writeSafetensors([
      { name: 'a', shape: [1], data: new Float32Array(1) },
      { name: 'a', shape: [1], data: new Float32Array(1) },
    ])).toThrow(/duplicate tensor name 'a'/);
    expect(() => writeSafetensors([{ name: '__metadata__', shape: [], data: new Float32Array(1) }])).toThrow(/reserved/);
  });
});

describe('readSafetensors on a Node Buffer', () => {
  it('copies each tensor alone (Buffer#slice is a view of the whole file)', () => {
    const { tensors } = readSafetensors(readFileSync('models/dncnn_s25_folded.safetensors'));
    const w = tensors.get('layers.0.weight_hwio')!;
    expect(w.data.length).toBe(3 * 3 * 1 * 64);
    expect(w.data.buffer.byteLength).toBe(3 * 3 * 1 * 64 * 4);
  });
});
