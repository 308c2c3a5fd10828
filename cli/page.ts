/**
 * The headless page behind `npm run train`: runs a session with the same code as the training
 * page and hands results back to Node as base64.
 */
import { initEngine } from '../src/engine/index.ts';
import { gridPng } from '../src/app/grid.ts';
import { plotPng } from '../src/app/plot.ts';
import { encodePng } from '../src/data/images.ts';
import { type SessionInput, runSession } from '../src/model/session.ts';
import type { Trainer } from '../src/model/trainer.ts';
import { type BuiltinSet, loadBuiltin } from '../src/data/builtin.ts';
import { decodeAll } from '../src/data/dataset.ts';
import { loadIntoModel, pretrainedDncnnParams } from '../src/model/checkpoint.ts';
import { evaluate } from '../src/model/evaluate.ts';
import { Model } from '../src/model/layers.ts';
import { dncnn } from '../src/model/presets.ts';

function toB64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
function fromB64(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Data arrives either as a built-in set or as files staged beforehand with cli.stage(key, ...). */
type WireSource = SessionInput['train'] | { staged: string };
type WireInput = Omit<SessionInput, 'train' | 'test' | 'resume'> & {
  train: WireSource;
  test: WireSource | null;
  resume?: { b64: string; name: string };
};

// Files staged in chunks: one large page.evaluate argument (several MB) closes the CDP connection.
const staged = new Map<string, { name: string; bytes: Uint8Array }[]>();

declare global {
  interface Window {
    cliEvent(json: string): Promise<void>;
    cli: {
      init(): Promise<string>;
      run(input: WireInput): Promise<unknown>;
      stop(): void;
      stage(key: string, files: { name: string; b64: string }[]): number;
      evalPretrained(o: { set: BuiltinSet; sigma: number; limit?: number; seed: number }): Promise<unknown>;
    };
  }
}

let trainer: Trainer | null = null;
const send = (ev: object) => window.cliEvent(JSON.stringify(ev));
const decodeSource = (s: WireSource): SessionInput['train'] => ('staged' in s ? { files: staged.get(s.staged) ?? [] } : s);

window.cli = {
  async init() {
    const rt = await initEngine();
    const a = rt.ctx.summary;
    return `${a.vendor} / ${a.architecture}${a.description ? ` (${a.description})` : ''}`;
  },
  stop() { trainer?.stop(); },
  stage(key, files) {
    const list = staged.get(key) ?? [];
    for (const f of files) list.push({ name: f.name, bytes: fromB64(f.b64) });
    staged.set(key, list);
    return list.length;
  },
  /** The authors' DnCNN-S weights on a built-in test set, with the standard protocol. */
  async evalPretrained(o) {
    const t0 = performance.now();
    const res = await fetch('/models/dncnn_s25_folded.safetensors');
    const model = new Model(dncnn(1));
    await loadIntoModel(model, pretrainedDncnnParams(new Uint8Array(await res.arrayBuffer())), 'dncnn_s25_folded.safetensors');
    const { images } = await decodeAll(await loadBuiltin(o.set, o.limit), { channels: 1 });
    const r = await evaluate(model, images, {
      noise: { kind: 'gaussian', sigma: o.sigma }, seed: o.seed,
      onProgress: (done, total) => void send({ type: 'stage', stage: `${o.set} sigma ${o.sigma}`, done, total }),
    });
    model.dispose();
    return { mean: r.mean, perImage: r.perImage, seconds: (performance.now() - t0) / 1000 };
  },
  async run(input) {
    const result = await runSession({
      ...input,
      train: decodeSource(input.train),
      test: input.test ? decodeSource(input.test) : null,
      resume: input.resume ? { name: input.resume.name, bytes: fromB64(input.resume.b64) } : undefined,
    }, {
      onStage: (stage, done, total) => void send({ type: 'stage', stage, done, total }),
      onStep: (e) => void send({ type: 'step', ...e }),
      onLog: (message) => void send({ type: 'log', message }),
      onTrainer: (t) => { trainer = t; },
      onEpoch: async (r, checkpoint) => { await send({ type: 'epoch', record: r, checkpoint: toB64(await checkpoint()) }); },
    });
    const h = result.history;
    const plot = await plotPng(720, 360, [
      { label: 'training loss', color: '#1f77b4', points: h.map((r) => [r.epoch, r.trainLoss]) },
      { label: 'validation loss', color: '#d62728', points: h.map((r) => [r.epoch, r.valLoss]) },
    ], { title: `MSE loss (${result.config.preset})`, xLabel: 'epoch' });
    const tests = await Promise.all(result.tests.map(async (t) => {
      const outs = t.result.outputs ?? [];
      const rows = outs.map((o, i) => ({ ...o, psnr: t.result.perImage[i].psnr, psnrNoisy: t.result.perImage[i].psnrNoisy }));
      return {
        sigma: t.sigma, noise: t.noise, mean: t.result.mean, perImage: t.result.perImage,
        grid: rows.length ? toB64(await gridPng(rows, 256)) : null,
        denoised: outs.map((o) => ({ name: o.name, png: toB64(encodePng(o.denoised)) })),
      };
    }));
    return {
      state: result.state, error: result.error, config: result.config, model: result.model, data: result.data,
      history: h, seconds: result.seconds, tests, plot: toB64(plot), checkpoint: toB64(result.checkpoint),
    };
  },
};
