/**
 * The headless page behind `npm run train`: runs a session with the same code as the training
 * page and hands results back to Node as base64.
 */
import { initEngine } from '../src/engine/index.ts';
import { type SessionInput, runSession } from '../src/model/session.ts';
import type { Trainer } from '../src/model/trainer.ts';
import { type BuiltinSet, loadBuiltin } from '../src/data/builtin.ts';
import { decodeAll } from '../src/data/dataset.ts';
import { loadIntoModel, pretrainedDncnnParams } from '../src/model/checkpoint.ts';
import { evaluate } from '../src/model/evaluate.ts';
import { Model } from '../src/model/layers.ts';
import { dncnn } from '../src/model/presets.ts';
import { renderRun } from './render.ts';
import type { TrainConfig } from '../src/model/config.ts';
import { type StepProfile, formatProfile, profileStep } from '../src/model/profile.ts';

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
      /** One profiled training step of a configuration: the report's text and the numbers. */
      profile(config: TrainConfig): Promise<{ text: string; profile: StepProfile }>;
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
  async profile(config) {
    const profile = await profileStep(config);
    return { text: formatProfile(profile), profile };
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
    // The pictures are drawn here, by the code the Node backend uses too; bytes cross as base64.
    const r = await renderRun(result);
    return {
      ...r, plot: toB64(r.plot), checkpoint: toB64(r.checkpoint),
      tests: r.tests.map((t) => ({ ...t, grid: t.grid && toB64(t.grid), denoised: t.denoised.map((d) => ({ name: d.name, png: toB64(d.png) })) })),
    };
  },
};
