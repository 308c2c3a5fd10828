/**
 * The autotuner's store seen from a headless page: Node's file store (cli/tuneStore.ts), through the
 * functions the CLI exposes to the page (tuneLoad, tuneSave: cli/browserBackend.ts for training,
 * cli/inferenceBrowser.ts for denoising). One store, whichever backend measured.
 */
import type { TuneStore } from '../src/engine/autotune.ts';

declare global {
  interface Window {
    tuneLoad(adapter: string): Promise<string>;
    tuneSave(adapter: string, json: string): Promise<void>;
  }
}

export const bridgedStore: TuneStore = {
  load: async (adapter) => JSON.parse(await window.tuneLoad(adapter)),
  save: (adapter, choices) => window.tuneSave(adapter, JSON.stringify(choices)),
};
