/**
 * The headless page behind `npm run train`: runs a session with the same code as the training
 * page and hands results back to Node as base64.
 */
import { initEngine } from '../src/engine/index.ts';
import { type SessionInput, runSession } from '../src/model/session.ts';
import { bridgedStore } from './bridgedStore.ts';
import type { Trainer } from '../src/model/trainer.ts';
import { renderRun } from './render.ts';
import { b64ToBytes, bytesToB64 } from './b64.ts';
import type { TrainConfig } from '../src/model/config.ts';
import { type StepProfile, formatProfile, profileStep } from '../src/model/profile.ts';


/** Data arrives either as a built-in set or as files staged beforehand with cli.stage(key, ...). */
type WireSource = SessionInput['train'] | { staged: string };
type WireInput = Omit<SessionInput, 'train' | 'test' | 'resume' | 'tune'> & {
  train: WireSource;
  test: WireSource | null;
  resume?: { b64: string; name: string };
  /** bridged: the autotuner's store is Node's (cli/browserBackend.ts exposes tuneLoad, tuneSave). */
  tune?: { force?: boolean; bridged: boolean };
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
      /** One profiled training step of a configuration: the report's text and the numbers. */
      profile(config: TrainConfig, tune?: WireInput['tune']): Promise<{ text: string; profile: StepProfile }>;
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
    for (const f of files) list.push({ name: f.name, bytes: b64ToBytes(f.b64) });
    staged.set(key, list);
    return list.length;
  },
  async profile(config, tune) {
    const profile = await profileStep(config, undefined, tune && { force: tune.force, store: tune.bridged ? bridgedStore : undefined });
    return { text: formatProfile(profile), profile };
  },
  async run(input) {
    const result = await runSession({
      ...input,
      train: decodeSource(input.train),
      test: input.test ? decodeSource(input.test) : null,
      resume: input.resume ? { name: input.resume.name, bytes: b64ToBytes(input.resume.b64) } : undefined,
      tune: input.tune && { force: input.tune.force, store: input.tune.bridged ? bridgedStore : undefined },
    }, {
      onStage: (stage, done, total) => void send({ type: 'stage', stage, done, total }),
      onStep: (e) => void send({ type: 'step', ...e }),
      onLog: (message) => void send({ type: 'log', message }),
      onTrainer: (t) => { trainer = t; },
      onEpoch: async (r, checkpoint) => { await send({ type: 'epoch', record: r, checkpoint: bytesToB64(await checkpoint()) }); },
    });
    // The pictures are drawn here, by the code the Node backend uses too; bytes cross as base64.
    const r = await renderRun(result);
    return {
      ...r, plot: bytesToB64(r.plot), checkpoint: bytesToB64(r.checkpoint),
      tests: r.tests.map((t) => ({ ...t, grid: t.grid && bytesToB64(t.grid), denoised: t.denoised.map((d) => ({ name: d.name, png: bytesToB64(d.png) })) })),
    };
  },
};
