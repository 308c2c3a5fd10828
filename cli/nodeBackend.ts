/**
 * `--backend node`: the session runs in this process, on WebGPU from Dawn (the optional npm
 * package `webgpu`; src/node sets it up). No browser, no dev server, no base64 round trips.
 */
import { formatProfile, profileStep } from '../src/model/profile.ts';
import { runSession } from '../src/model/session.ts';
import type { Trainer } from '../src/model/trainer.ts';
import { releaseNodeGpu } from '../src/node/index.ts';
import { type TrainBackend, startNodeOrFail } from './backend.ts';
import { renderRun } from './render.ts';

export async function openNodeBackend(o: { adapter: string | null }): Promise<TrainBackend> {
  const adapter = await startNodeOrFail(o.adapter);
  let trainer: Trainer | null = null;
  return {
    name: 'node',
    adapter,
    errors: [],
    async run(input, onEvent) {
      const result = await runSession(input, {
        onStage: (stage, done, total) => onEvent({ type: 'stage', stage, done, total }),
        onStep: (e) => onEvent({ type: 'step', ...e }),
        onLog: (message) => onEvent({ type: 'log', message }),
        onTrainer: (t) => { trainer = t; },
        onEpoch: async (record, checkpoint) => onEvent({ type: 'epoch', record, checkpoint: await checkpoint() }),
      });
      return renderRun(result);
    },
    async profile(config, tune) {
      return formatProfile(await profileStep(config, undefined, tune));
    },
    stop() { trainer?.stop(); },
    async close() { releaseNodeGpu(); },
  };
}
