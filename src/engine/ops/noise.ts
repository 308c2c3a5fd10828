/**
 * Seeded synthetic noise for training denoisers, generated on the GPU: gaussian (fixed or blind
 * sigma), salt & pepper, poisson (shot noise) and speckle. Kernel: src/shaders/noise.wgsl.
 * No gradient (a data-side op).
 *
 * RNG: Philox4x32-10, counter-based: key = (seed, step), counter = (element or pixel index,
 * stream, draw, 0). The same (clean, options) gives bit-identical output on a given adapter, any
 * element is independent of every other, and changing seed or step changes everything. The step
 * lets a training loop use one seed and a fresh noise draw per step without any host state.
 * The exact counter layout and the float conversions are documented in noise.wgsl; `philox4x32`
 * below is the host twin (checked against the Random123 known-answer vectors in the tests).
 *
 * Per-image sigmas (blind training, sigma = [lo, hi]) are drawn on the host with the same Philox
 * (stream 4, counter (n, 4, 0, 0)), so `noiseSigmas` returns exactly what `addNoise` used and the
 * kernel only reads an [N] buffer of sigma_n / 255.
 *
 * That [N] buffer must not cost a submit: a training step (augment, noise, forward, backward,
 * Adam) is one submit, and `Runtime.write` submits the pending commands first (a pooled buffer
 * may still be read by them). So the sigmas go into a small ring of buffers owned by this op
 * (`SigmaRing`): a slot is rewritten only once the encoder that read it has been submitted, so
 * `queue.writeBuffer` (ordered after that submit) can never change what a recorded dispatch reads.
 */
import { EngineError, ShapeError } from '../errors.ts';
import { type BufferView, type Runtime, runtime } from '../runtime.ts';
import { type Tensor, empty } from '../tensor.ts';
import { NOISE } from '../kernels.ts';


export interface NoiseSeed {
  /** Integer in [0, 2^32). */
  seed: number;
  /** Integer in [0, 2^32), default 0: e.g. the training step, for a fresh draw with the same seed. */
  step?: number;
}

/** sigma on the 0-255 scale: x + N(0, (sigma/255)^2), not clipped. [lo, hi]: one sigma per image, uniform in [lo, hi). */
export interface GaussianNoise extends NoiseSeed { kind: 'gaussian'; sigma: number | [number, number] }
/** A fraction `amount` of the pixels (all channels together) set to 1 or 0 with equal odds. */
export interface SaltPepperNoise extends NoiseSeed { kind: 'saltPepper'; amount: number }
/** y = Poisson(x * peak) / peak (x < 0 counts as 0): `peak` photons at x = 1; lower peak is noisier. */
export interface PoissonNoise extends NoiseSeed { kind: 'poisson'; peak: number }
/**
 * y = x + x * N(0, (sigma/255)^2): multiplicative, not clipped. sigma is on the same 0-255 scale as
 * gaussian so that speckle at a white pixel (x = 1) has the std of gaussian noise of the same sigma.
 * A range [lo, hi] draws one sigma per image, as for gaussian.
 */
export interface SpeckleNoise extends NoiseSeed { kind: 'speckle'; sigma: number | [number, number] }

export type NoiseOptions = GaussianNoise | SaltPepperNoise | PoissonNoise | SpeckleNoise;

/** Philox streams (counter word 1); 4 is the host's per-image sigma draw. */
export const NOISE_STREAM = { gaussian: 0, saltPepper: 1, poisson: 2, speckle: 3, sigma: 4 } as const;

/** lambda above which poisson uses the normal approximation (rounded, clamped at 0) instead of Knuth's method. */
export const POISSON_NORMAL_ABOVE = 30;

// ---- host Philox4x32-10 -----------------------------------------------------------------------

function mulhi32(a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const mid = ((al * bl) >>> 16) + ((ah * bl) & 0xffff) + al * bh; // < 2^32, exact in float64
  return (ah * bh + ((ah * bl) >>> 16) + Math.floor(mid / 65536)) >>> 0;
}

/** Philox4x32-10 of a 4-word counter and a 2-word key (all u32): the same function as noise.wgsl's. */
export function philox4x32(counter: ArrayLike<number>, key: ArrayLike<number>): Uint32Array {
  let [c0, c1, c2, c3] = [counter[0] >>> 0, counter[1] >>> 0, counter[2] >>> 0, counter[3] >>> 0];
  let k0 = key[0] >>> 0;
  let k1 = key[1] >>> 0;
  for (let r = 0; r < 10; r++) {
    if (r > 0) { k0 = (k0 + 0x9e3779b9) >>> 0; k1 = (k1 + 0xbb67ae85) >>> 0; }
    const hi0 = mulhi32(0xd2511f53, c0);
    const lo0 = Math.imul(0xd2511f53, c0) >>> 0;
    const hi1 = mulhi32(0xcd9e8d57, c2);
    const lo1 = Math.imul(0xcd9e8d57, c2) >>> 0;
    [c0, c1, c2, c3] = [(hi1 ^ c1 ^ k0) >>> 0, lo1, (hi0 ^ c3 ^ k1) >>> 0, lo0];
  }
  return Uint32Array.of(c0, c1, c2, c3);
}

// ---- validation -------------------------------------------------------------------------------

function checkU32(what: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= 2 ** 32) {
    throw new EngineError(`addNoise: ${what} must be an integer in [0, 2^32), got ${String(v)}`);
  }
  return v;
}

function sigmaRange(kind: string, sigma: unknown): [number, number] {
  const [lo, hi] = Array.isArray(sigma) ? sigma : [sigma, sigma];
  if (Array.isArray(sigma) && sigma.length !== 2) throw new EngineError(`addNoise(${kind}): sigma range must be [lo, hi], got [${sigma}]`);
  for (const s of [lo, hi]) {
    if (typeof s !== 'number' || !Number.isFinite(s) || s < 0) {
      throw new EngineError(`addNoise(${kind}): sigma must be a finite number >= 0 (0-255 scale), got ${String(s)}`);
    }
  }
  if (lo > hi) throw new EngineError(`addNoise(${kind}): sigma range [${lo}, ${hi}] has lo > hi`);
  return [lo, hi];
}

function checkOptions(o: NoiseOptions): { seed: number; step: number } {
  if (!o || typeof o !== 'object') throw new EngineError('addNoise: options are required, e.g. { kind: \'gaussian\', sigma: 25, seed: 1 }');
  const seed = checkU32('seed', o.seed);
  const step = checkU32('step', o.step ?? 0);
  switch (o.kind) {
    case 'gaussian':
    case 'speckle':
      sigmaRange(o.kind, o.sigma);
      break;
    case 'saltPepper':
      if (typeof o.amount !== 'number' || !(o.amount >= 0 && o.amount <= 1)) {
        throw new EngineError(`addNoise(saltPepper): amount is the fraction of pixels hit and must be in [0, 1], got ${String(o.amount)}`);
      }
      break;
    case 'poisson':
      if (typeof o.peak !== 'number' || !(o.peak > 0) || !Number.isFinite(o.peak)) {
        throw new EngineError(`addNoise(poisson): peak (photons at x = 1) must be a finite number > 0, got ${String(o.peak)}`);
      }
      break;
    default:
      throw new EngineError(`addNoise: unknown kind '${String((o as { kind: unknown }).kind)}' (kinds: gaussian, saltPepper, poisson, speckle)`);
  }
  return { seed, step };
}

/**
 * The sigma (0-255 scale) that addNoise uses for each of `n` images: [n], float64. Constant for a
 * fixed sigma; for a range [lo, hi], lo + (hi - lo) u_n with u_n = (philox((n, 4, 0, 0), (seed, step)).x >> 8) / 2^24.
 * Only for the gaussian and speckle kinds.
 */
export function noiseSigmas(n: number, o: NoiseOptions): Float64Array {
  const { seed, step } = checkOptions(o);
  if (o.kind !== 'gaussian' && o.kind !== 'speckle') throw new EngineError(`noiseSigmas: '${o.kind}' noise has no sigma`);
  if (!Number.isInteger(n) || n < 1) throw new EngineError(`noiseSigmas: image count must be a positive integer, got ${n}`);
  const [lo, hi] = sigmaRange(o.kind, o.sigma);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = lo === hi ? lo : lo + (hi - lo) * ((philox4x32([i, NOISE_STREAM.sigma, 0, 0], [seed, step])[0] >>> 8) / 2 ** 24);
  }
  return out;
}

/**
 * Per-runtime buffers for the per-image sigmas, written without a submit (see the module
 * comment). A slot is free once `stats.submits` has passed the submit count at which its
 * dispatch was recorded; the ring grows only while more noise ops than slots wait in one
 * encoder, so a steady training loop reuses the same one or two buffers for ever.
 */
interface SigmaSlot { buffer: GPUBuffer; recordedAt: number; last: Float32Array | null }
const sigmaRings = new WeakMap<Runtime, SigmaSlot[]>();
// GPUBufferUsage.STORAGE | COPY_DST (numbers: this module also loads in Node).
const SIGMA_USAGE = 0x80 | 0x08;

function sigmaView(rt: Runtime, sigmas: Float32Array): { view: BufferView; slot: SigmaSlot } {
  let ring = sigmaRings.get(rt);
  if (!ring) { ring = []; sigmaRings.set(rt, ring); }
  const bytes = Math.max(256, Math.ceil((sigmas.length * 4) / 256) * 256);
  const done = rt.stats.submits;
  let slot = ring.find((s) => s.recordedAt < done && s.buffer.size >= bytes);
  if (!slot) {
    const free = ring.findIndex((s) => s.recordedAt < done); // too small: replace it
    const buffer = rt.device.createBuffer({ label: 'noise sigma/255', size: bytes, usage: SIGMA_USAGE });
    rt.stats.buffersCreated++;
    slot = { buffer, recordedAt: -1, last: null };
    if (free >= 0) { ring[free].buffer.destroy(); ring[free] = slot; } else ring.push(slot);
  }
  // Same values as last time (a fixed sigma, the same batch size): nothing to upload.
  if (!slot.last || slot.last.length !== sigmas.length || slot.last.some((v, i) => v !== sigmas[i])) {
    rt.device.queue.writeBuffer(slot.buffer, 0, sigmas.buffer, sigmas.byteOffset, sigmas.byteLength);
    slot.last = sigmas;
  }
  return { view: { buffer: slot.buffer, offset: 0, size: sigmas.length * 4 }, slot };
}

/**
 * clean [N, H, W, C] (values in [0, 1]) plus seeded noise: a new tensor of the same shape.
 * See the option types for each kind; nothing is clipped except that salt & pepper writes 0 or 1.
 * Records one dispatch and uploads nothing that would force a submit.
 */
export function addNoise(clean: Tensor, o: NoiseOptions): Tensor {
  const { seed, step } = checkOptions(o);
  if (clean.shape.length !== 4) throw new ShapeError(`addNoise: images must be NHWC (rank 4), got shape [${clean.shape}]`);
  const [N, H, W, C] = clean.shape;
  const rt = runtime();
  const x = clean.view('addNoise');
  let thr = 0;
  let peak = 1;
  let s: { view: BufferView; slot: SigmaSlot } | null = null;
  if (o.kind === 'gaussian' || o.kind === 'speckle') {
    s = sigmaView(rt, Float32Array.from(noiseSigmas(N, o), (v) => v / 255));
  } else if (o.kind === 'saltPepper') {
    thr = Math.round(o.amount * 2 ** 24);
  } else {
    peak = o.peak;
  }
  const y = empty(clean.shape, `${o.kind} noisy`);
  rt.launch('noise', {
    uniforms: { count: clean.size, C, imageSize: H * W * C, seed, step, thr, peak },
    // salt & pepper and poisson read no sigma: x stands in for the unused binding.
    bindings: { x, s: s ? s.view : x, y: y.view('addNoise') },
    dims: { count: clean.size },
    constants: { KIND: NOISE[o.kind] },
  });
  // After launch: a launch that flushed a full uniform arena put this dispatch in the next encoder.
  if (s) s.slot.recordedAt = rt.stats.submits;
  return y;
}
