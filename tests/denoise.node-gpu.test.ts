/**
 * `npm run denoise` and its engine side (src/model/denoise.ts) under Node on Dawn: tiles stitch
 * to exactly what one pass over the image gives (gray and colour, and a too-small halo would
 * show), the host noise and metrics agree with the GPU's, the shipped models denoise, the CLI
 * writes *_denoised.png and scores it, and every kind of bad input gets its message and exit
 * code 2 while the other images are still written. `--resume NAME` of a shipped model too.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parseArgs } from '../cli/args.ts';
import { decodeImageBytes } from '../src/data/decode.ts';
import type { Image } from '../src/data/images.ts';
import { cropPatch } from '../src/data/patches.ts';
import { encodePng } from '../src/data/png.ts';
import { addNoise, convTolerance, noGrad, psnrPerImage, ssimPerImage, tensor } from '../src/engine/index.ts';
import { readCheckpoint } from '../src/model/checkpoint.ts';
import { presetSpec } from '../src/model/config.ts';
import { DenoiserCache, ShippedDenoisers, denoisePhoto, denoiseTiled, readModelFile, runDenoiseJob } from '../src/model/denoise.ts';
import { addGaussianNoise, psnr, ssim } from '../src/model/imageQuality.ts';
import { Model, modelParams } from '../src/model/layers.ts';
import { PRETRAINED } from '../src/model/pretrained.ts';
import { dncnn, seedAutoencoder } from '../src/model/presets.ts';
import { type NamedTensor, readSafetensors, writeSafetensors } from '../src/model/safetensors.ts';
import { planTiles } from '../src/model/tiles.ts';
import { useNodeEngine } from './support/node-gpu.ts';

const engine = useNodeEngine();
const exec = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'denoise-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const load = (path: string) => decodeImageBytes(new Uint8Array(readFileSync(path)), path);
const crop = (img: Image, x: number, y: number, size: number): Image => { const p = cropPatch(img, x, y, size); return { width: size, height: size, channels: p.channels, data: p.data }; };
/** A smooth synthetic image with texture, W x H x C. */
function synthetic(W: number, H: number, C: 1 | 3): Image {
  const data = new Float32Array(W * H * C);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < C; c++) {
    data[(y * W + x) * C + c] = 0.5 + 0.3 * Math.sin(x / 5 + c) * Math.cos(y / 7) + 0.15 * Math.sin((x * y) / 31 + 2 * c);
  }
  return { width: W, height: H, channels: C, data };
}
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * An independent float64 forward of a models/ file from its PyTorch-layout copy (`layers.{i}.weight`,
 * OIHW, cross-correlation with zero padding 1, as torch.nn.Conv2d), never from the HWIO copy the
 * engine loads: y = x - net(x), image HWC.
 */
function torchLayoutForward(t: Map<string, NamedTensor>, img: Image): Float64Array {
  const { width: W, height: H } = img;
  let h = Float64Array.from(img.data);
  let cin: number = img.channels;
  for (let i = 0; t.has(`layers.${i}.weight`); i++) {
    const w = t.get(`layers.${i}.weight`)!;
    const b = t.get(`layers.${i}.bias`)!.data;
    const [cout, , kh, kw] = w.shape;
    const last = !t.has(`layers.${i + 1}.weight`);
    const out = new Float64Array(H * W * cout);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let co = 0; co < cout; co++) {
      let s = b[co];
      for (let ci = 0; ci < cin; ci++) for (let u = 0; u < kh; u++) for (let v = 0; v < kw; v++) {
        const yy = y + u - 1, xx = x + v - 1;
        if (yy >= 0 && yy < H && xx >= 0 && xx < W) s += w.data[((co * cin + ci) * kh + u) * kw + v] * h[(yy * W + xx) * cin + ci];
      }
      out[(y * W + x) * cout + co] = last ? s : Math.max(0, s);
    }
    h = out;
    cin = cout;
  }
  return Float64Array.from(img.data, (v, k) => v - h[k]);
}

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    // The autotuner's choices go to this test's folder, never to the user's cache.
    const env = { ...process.env, DENOISE_TUNE_CACHE: join(dir, 'autotune.json') };
    const r = await exec('node', ['cli/run.mjs', 'cli/denoise.ts', ...args, '--backend', 'node'], { timeout: 120_000, env });
    return { code: 0, ...r };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

describe('tiles', () => {
  it('plans cores that cover the image once, each read with the halo (clipped at the border)', () => {
    const tiles = planTiles(45, 37, 16, 3);
    expect(tiles.length).toBe(3 * 3);
    const owner = new Int32Array(45 * 37);
    for (const t of tiles) {
      expect(t.y1 - t.y0).toBeLessThanOrEqual(16);
      expect([t.iy0, t.ix0]).toEqual([Math.max(0, t.y0 - 3), Math.max(0, t.x0 - 3)]);
      expect([t.iy1, t.ix1]).toEqual([Math.min(45, t.y1 + 3), Math.min(37, t.x1 + 3)]);
      for (let y = t.y0; y < t.y1; y++) for (let x = t.x0; x < t.x1; x++) owner[y * 37 + x]++;
    }
    expect(owner.every((n) => n === 1)).toBe(true);
    expect(planTiles(20, 20, 64, 17)).toEqual([{ y0: 0, y1: 20, x0: 0, x1: 20, iy0: 0, iy1: 20, ix0: 0, ix1: 20 }]);
  });

  for (const C of [1, 3] as const) {
    it(`tiled equals untiled for a ${C === 1 ? 'gray' : 'colour'} random DnCNN of depth 3 on a 45x37 image (3x3 tiles of 16)`, async () => {
      const model = new Model(dncnn(C, 3, 16), 7);
      try {
        const img = synthetic(37, 45, C);
        const x = tensor(img.data, [1, 45, 37, C]);
        const yt = noGrad(() => model.forward(x));
        const whole = await yt.read();
        x.dispose(); yt.dispose();
        let calls = 0;
        const tiled = await denoiseTiled(model, img, { tile: 16, onProgress: () => calls++ });
        expect(calls).toBe(9);
        const d = maxDiff(tiled.data, whole);
        console.log(`[denoise] C=${C}: tiled vs untiled max |diff| ${d}${d === 0 ? ' (bit-identical)' : ''}`);
        expect(d).toBeLessThanOrEqual(convTolerance.atol);
        // The test can fail: with a halo short of the receptive radius (3) the seams show.
        const seams = await denoiseTiled(model, img, { tile: 16, halo: 2 });
        expect(maxDiff(seams.data, whole)).toBeGreaterThan(1e-3);
      } finally {
        model.dispose();
      }
    });
  }

  it('with a signal it runs layer by layer: the same result, and a cancel stops inside a tile, within one layer', async () => {
    const model = new Model(dncnn(1, 5, 16), 3);
    try {
      const img = synthetic(30, 26, 1);
      const plain = await denoiseTiled(model, img, { tile: 64 });
      const stepwise = await denoiseTiled(model, img, { tile: 64, signal: new AbortController().signal });
      expect(maxDiff(stepwise.data, plain.data)).toBe(0);
      // Abort when the third layer's dispatches are recorded: one tile, so only the layer check can stop it.
      const ac = new AbortController();
      const rt = engine().runtime;
      const layers: string[] = [];
      rt.onDispatch = () => { layers.push(rt.tag); if (rt.tag.startsWith('layers.2 ')) ac.abort(); };
      try {
        await expect(denoiseTiled(model, img, { tile: 64, signal: ac.signal })).rejects.toThrow(/cancel/i);
      } finally {
        rt.onDispatch = null;
      }
      expect(new Set(layers)).toEqual(new Set(['layers.0 conv2d forward', 'layers.1 conv2d forward', 'layers.2 conv2d forward']));
    } finally {
      model.dispose();
    }
  });
});

describe('host noise and metrics match the GPU ops', () => {
  it('addGaussianNoise is the GPU addNoise draw; psnr and ssim the GPU metrics', async () => {
    const clean = synthetic(19, 23, 3);
    const host = addGaussianNoise(clean, 25, 7, 2);
    const x = tensor(clean.data, [1, 23, 19, 3]);
    const g = addNoise(x, { kind: 'gaussian', sigma: 25, seed: 7, step: 2 });
    const gpu = await g.read();
    expect(maxDiff(host.data, gpu)).toBeLessThan(1e-5);
    const [p, s] = [psnrPerImage(g, x), ssimPerImage(g, x)];
    expect(psnr(host, clean)).toBeCloseTo((await p.read())[0], 3);
    expect(Math.abs(ssim(host, clean) - (await s.read())[0])).toBeLessThan(1e-5);
    for (const t of [x, g, p, s]) t.dispose();
  });
});

describe('shipped models', () => {
  const shipped = new ShippedDenoisers();
  afterAll(() => shipped.dispose());

  it('every file in models/ reads as the model the list says', () => {
    for (const m of PRETRAINED) {
      const f = readModelFile(new Uint8Array(readFileSync(`models/${m.file}`)), m.file, m);
      expect([f.info.channels, f.spec.layers.length, f.info.parameters, f.info.radius]).toEqual([m.channels, m.depth, m.parameters, m.depth]);
    }
  });

  it('DnCNN-S sigma 25 denoises a gray crop; CDnCNN-B a colour one, tiled as untiled', async () => {
    const gray = crop(await load('data/set12/01.png'), 96, 96, 48);
    const g = await shipped.get('dncnn_s25');
    const noisy = addGaussianNoise(gray, 25, 0, 0);
    const out = await denoisePhoto(g, noisy);
    expect(out.mode).toBe('gray');
    const [before, after] = [psnr(noisy, gray), psnr(out.image, gray)];
    console.log(`[denoise] dncnn_s25, 48x48 crop of Set12 01, sigma 25: ${before.toFixed(2)} -> ${after.toFixed(2)} dB`);
    expect(after).toBeGreaterThan(before + 5);

    const rgb = crop(await load('data/cbsd68/101085.png'), 100, 60, 40);
    expect(rgb.channels).toBe(3);
    const c = await shipped.get('cdncnn_b_color_blind');
    const n3 = addGaussianNoise(rgb, 25, 0, 1);
    const [whole, tiled] = [await denoisePhoto(c, n3), await denoisePhoto(c, n3, { tile: 20 })];
    expect([whole.tiles, tiled.tiles, whole.mode]).toEqual([1, 4, 'colour']);
    expect(maxDiff(whole.image.data, tiled.image.data)).toBeLessThanOrEqual(convTolerance.atol);
    console.log(`[denoise] cdncnn_b_color_blind, 40x40 crop of CBSD68 101085, sigma 25: ${psnr(n3, rgb).toFixed(2)} -> ${psnr(whole.image, rgb).toFixed(2)} dB`);
    expect(psnr(whole.image, rgb)).toBeGreaterThan(psnr(n3, rgb) + 4);
  });

  it('every shipped model agrees elementwise with a float64 run of its file\'s PyTorch-layout (OIHW) weights', async () => {
    // A PSNR match alone would not catch a kh/kw swap or a flipped kernel (models/README.md): compare outputs.
    const [gray, rgb] = [crop(await load('data/set12/01.png'), 96, 96, 20), crop(await load('data/cbsd68/101085.png'), 100, 60, 20)];
    for (const m of PRETRAINED) {
      const name = m.name;
      const noisy = addGaussianNoise(m.channels === 1 ? gray : rgb, Array.isArray(m.sigma) ? 25 : m.sigma, 3, 0);
      const gpu = await denoiseTiled((await shipped.get(name)).model, noisy);
      const want = torchLayoutForward(readSafetensors(new Uint8Array(readFileSync(`models/${m.file}`))).tensors, noisy);
      const d = maxDiff(gpu.data, want);
      console.log(`[denoise] ${name} on a 20x20 crop vs the float64 OIHW run: max |diff| ${d.toExponential(2)}`);
      expect(d).toBeLessThan(1e-4);
    }
  });

  it('a colour image through a gray model goes channel by channel; a gray image through a colour model is refused', async () => {
    const rgb = crop(await load('data/cbsd68/101085.png'), 100, 60, 24);
    const cache = new DenoiserCache({ pretrained: 'dncnn_b_gray_blind' });
    const r = await runDenoiseJob(cache, { name: 'rgb.png', bytes: encodePng(rgb), sigma: 25 });
    expect([r.mode, r.channels, r.tiles, r.model]).toEqual(['per-channel', 3, 3, 'dncnn_b_gray_blind']);
    expect(r.scores!.psnr).toBeGreaterThan(r.scores!.psnrNoisy);
    cache.dispose();
    const colour = new DenoiserCache({ pretrained: 'cdncnn_b_color_blind' });
    await expect(runDenoiseJob(colour, { name: 'gray.png', bytes: encodePng(crop(await load('data/set12/01.png'), 0, 0, 16)) }))
      .rejects.toThrow(/gray\.png: a gray image, but cdncnn_b_color_blind is a colour \(RGB\) model: use a gray model/);
    colour.dispose();
  });
});

describe('checkpoints that do not fit are refused on the CPU, saying why', () => {
  it('wrong shapes, not a model file, a model that is not fully convolutional', () => {
    const w = (shape: number[]) => ({ shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
    const bad = writeSafetensors([
      { name: 'layers.0.weight_hwio', ...w([3, 3, 1, 64]) }, { name: 'layers.0.bias', ...w([64]) },
      { name: 'layers.1.weight_hwio', ...w([3, 3, 32, 1]) }, { name: 'layers.1.bias', ...w([1]) },
    ]);
    expect(() => readModelFile(bad, 'bad.safetensors')).toThrow(/bad\.safetensors: layers\.1\.weight_hwio is \[3,3,32,1\], expected \[3,3,64,1\]/);
    expect(() => readModelFile(new TextEncoder().encode('hello world, not a model'), 'x.safetensors')).toThrow(/x\.safetensors is not a model file \(safetensors\)/);
    const seed = writeSafetensors(modelParams(seedAutoencoder(1), 1).map((p) => ({ name: p.name, shape: p.shape, data: p.init as Float32Array })),
      { checkpoint: JSON.stringify({ format: 'webgpu-denoise/1', preset: 'seed', spec: seedAutoencoder(1), channels: 1, epoch: 1, createdAt: '' }) });
    expect(() => readModelFile(seed, 'seed.safetensors')).toThrow(/not fully convolutional .* use a small, dncnn or pretrained model/);
  });
});

describe('npm run train -- --resume NAME', () => {
  it('starts from a shipped DnCNN-S (preset dncnn, its channels and sigma, lr 1e-5)', () => {
    const a = parseArgs(['--resume', 'dncnn_s50'])!;
    expect([a.config.preset, a.config.channels, a.config.noise, a.config.lr]).toEqual(['dncnn', 1, { kind: 'gaussian', sigma: 50 }, 1e-5]);
    const ck = readCheckpoint(readFileSync(a.resume!), 'dncnn_s50.safetensors');
    expect(ck.meta.epoch).toBe(0);
    const want = modelParams(presetSpec('dncnn', 1), 1);
    expect([...ck.params.keys()].sort()).toEqual(want.map((p) => p.name).sort());
    for (const p of want) expect(ck.params.get(p.name)!.shape).toEqual(p.shape);
    expect(() => parseArgs(['--resume', 'dncnn_s25', '--preset', 'small'])).toThrow(/needs --preset dncnn/);
  });

  it('starts from the 20-layer blind models at their depth, channels and sigma range', () => {
    for (const [name, channels] of [['dncnn_b_gray_blind', 1], ['cdncnn_b_color_blind', 3]] as const) {
      const a = parseArgs(['--resume', name])!;
      expect([a.config.preset, a.config.depth, a.config.channels, a.config.noise, a.config.lr]).toEqual(['dncnn', 20, channels, { kind: 'gaussian', sigma: [0, 55] }, 1e-5]);
      const ck = readCheckpoint(readFileSync(a.resume!), `${name}.safetensors`);
      const want = modelParams(presetSpec('dncnn', channels, 20), 1);
      expect([...ck.params.keys()].sort()).toEqual(want.map((p) => p.name).sort());
      for (const p of want) expect(ck.params.get(p.name)!.shape).toEqual(p.shape);
    }
    expect(() => parseArgs(['--resume', 'dncnn_b_gray_blind', '--depth', '17'])).toThrow(/is 20 layers deep: it needs --depth 20/);
    expect(() => parseArgs(['--preset', 'small', '--depth', '20'])).toThrow(/depth applies to the dncnn preset only/);
  });

  it('npm run train -- --resume dncnn_b_gray_blind fine-tunes it (one step) and keeps its quality', { timeout: 300_000 }, async () => {
    const name = 'test-resume-blind';
    try {
      const { stdout } = await exec('node', ['cli/run.mjs', 'cli/train.ts', '--backend', 'node', '--resume', 'dncnn_b_gray_blind', '--epochs', '1', '--steps', '1',
        '--batch', '2', '--patch', '40', '--limit', '4', '--test', 'none', '--tune', 'off', '--name', name], { timeout: 300_000 });
      expect(stdout).toMatch(/resumed from dncnn_b_gray_blind\.safetensors at epoch 0/);
      const m = /^epoch 1: .*val PSNR ([\d.]+) dB/m.exec(stdout);
      expect(m, stdout).not.toBeNull();
      // One step at lr 1e-5 leaves the blind model's quality: 28.8 dB on the validation crops at
      // blind sigmas (a from-scratch model after one step is near the noisy input, under 20 dB).
      expect(Number(m![1])).toBeGreaterThan(26);
      const ck = readCheckpoint(readFileSync(`runs/${name}/checkpoint.safetensors`), 'checkpoint.safetensors');
      expect(ck.meta.spec.layers.length).toBe(20);
    } finally {
      rmSync(`runs/${name}`, { recursive: true, force: true });
    }
  });
});

describe('npm run denoise', () => {
  it('writes NAME_denoised.png beside the input and prints PSNR/SSIM with --sigma', async () => {
    const gray = crop(await load('data/set12/01.png'), 96, 96, 48);
    writeFileSync(join(dir, 'a.png'), encodePng(gray));
    const r = await cli([join(dir, 'a.png'), '--sigma', '25', '--model', 'dncnn_s25', '--tile', '24']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^WebGPU adapter: .+ \(node backend\)$/m);
    const line = /a\.png -> .*a_denoised\.png: 48x48 gray, dncnn_s25 \(gray image, gray model\), 4 tiles of up to 24 px, .*; PSNR (\d+\.\d\d) -> (\d+\.\d\d) dB, SSIM 0\.\d{4}/.exec(r.stdout);
    expect(line, r.stdout).not.toBeNull();
    expect(Number(line![1])).toBeCloseTo(19.99, 1); // the same noise draw as the in-process test above
    expect(Number(line![2])).toBeGreaterThan(Number(line![1]) + 5);
    expect(r.stderr).toMatch(/\[1\/1\] .*a\.png \[#*\.*\] 1\/4 tiles/); // the progress bar (a line per tile off a terminal)
    expect(r.stdout).toMatch(/denoised 1 of 1 image .*; mean PSNR/);
    const out = await decodeImageBytes(new Uint8Array(readFileSync(join(dir, 'a_denoised.png'))), 'out');
    expect([out.width, out.height, out.channels]).toEqual([48, 48, 1]);
    // --tune on (the default): the conv kernels measured for the largest tile (24 + 2 x 17 halo,
    // clipped by the 48 px image to 41 x 41) at half its side, one line per layer shape, and kept.
    const tuned = r.stdout.match(/^autotune: forward n1 21x21x\d+ -> 21x21x\d+ k3x3 s1 p1,1: \w+/gm);
    expect(tuned, r.stdout).toHaveLength(3); // 1 -> 64, 64 -> 64, 64 -> 1
    expect(Object.values(JSON.parse(readFileSync(join(dir, 'autotune.json'), 'utf8')))).toHaveLength(1);
  });

  it('--tune: the next run reuses the choices kept by the last', async () => {
    const held = await cli([join(dir, 'a.png'), '--sigma', '25', '--model', 'dncnn_s25', '--tile', '24', '--out', join(dir, 'held.png')]);
    expect(held.code, held.stderr).toBe(0);
    expect(held.stdout).not.toMatch(/autotune:/);
    expect(held.stderr).not.toMatch(/measuring the conv kernels/);
  });

  it('reports each bad input with its message and exit code 2, and still writes the others', async () => {
    const rgb = crop(await load('data/cbsd68/101085.png'), 100, 60, 24);
    writeFileSync(join(dir, 'rgb.png'), encodePng(rgb));
    writeFileSync(join(dir, 'gray.png'), encodePng(crop(await load('data/set12/01.png'), 0, 0, 24)));
    writeFileSync(join(dir, 'fake.png'), '<!DOCTYPE html><html>not found</html>');
    const r = await cli([join(dir, 'fake.png'), join(dir, 'missing.png'), join(dir, 'gray.png'), join(dir, 'rgb.png'), '--model', 'cdncnn_b_color_blind', '--out', join(dir, 'out')]);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(existsSync(join(dir, 'out', 'rgb_denoised.png'))).toBe(true);
    expect(existsSync(join(dir, 'out', 'gray_denoised.png'))).toBe(false);
    expect(r.stdout).toMatch(/rgb\.png -> .*rgb_denoised\.png: 24x24 RGB, cdncnn_b_color_blind \(RGB through the colour model\)/);
    expect(r.stdout).toMatch(/denoised 1 of 4 images/);
    expect(r.stderr).toMatch(/failed \(3\):/);
    expect(r.stderr).toMatch(/fake\.png: not an image: an HTML page/);
    expect(r.stderr).toMatch(/missing\.png: no such file or folder/);
    expect(r.stderr).toMatch(/gray\.png: a gray image, but cdncnn_b_color_blind is a colour \(RGB\) model/);

    writeFileSync(join(dir, 'bad.safetensors'), writeSafetensors([{ name: 'layers.0.weight_hwio', shape: [3, 3, 2, 64], data: new Float32Array(1152) }, { name: 'layers.1.weight_hwio', shape: [3, 3, 64, 2], data: new Float32Array(1152) }]));
    const b = await cli([join(dir, 'rgb.png'), '--model', join(dir, 'bad.safetensors')]);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/^error: bad\.safetensors: the network takes 2 channels; only 1 \(gray\) and 3 \(RGB\) are supported$/m);
  });
});
