/**
 * `npm run train` when the GPU device is lost mid-run (a driver reset; here device.destroy() at a
 * chosen step): the CLI says so, makes a new device, resumes from the last epoch's checkpoint and
 * finishes the run, losing only the steps since that checkpoint. Runs cli/train.ts in this process
 * so that the test can destroy the device the CLI is using at an exact step.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../cli/train.ts';
import { runtime } from '../src/engine/index.ts';
import { readCheckpoint } from '../src/model/checkpoint.ts';

const RUN = 'runs/test-device-loss';
afterAll(() => rmSync(RUN, { recursive: true, force: true }));

describe('npm run train: a lost GPU device', () => {
  it('makes a new device and resumes from the last epoch, then finishes the run', async () => {
    const out: string[] = [];
    const err: string[] = [];
    let destroyed = 0;
    const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
      const line = a.join(' ');
      out.push(line);
      // Epoch 2, step 2: the first epoch's checkpoint is on disk, the second epoch half done.
      if (!destroyed && /^epoch 2\/2 .* step 2\/3 /.test(line)) { destroyed++; runtime().device.destroy(); }
    });
    const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => { err.push(a.join(' ')); });
    let code: number;
    try {
      // --tune off: the recovery is the point here, and measuring the kernel families first costs
      // this test most of its time (the tuner's own tests: tests/autotune.node-gpu.test.ts).
      code = await main(['--backend', 'node', '--preset', 'small', '--epochs', '2', '--steps', '3', '--batch', '2', '--patch', '24',
        '--limit', '6', '--test-limit', '1', '--tune', 'off', '--name', 'test-device-loss']);
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
    expect(destroyed).toBe(1);
    expect(err.join('\n')).toMatch(/the GPU device was lost \(WebGPU device lost \(reason: destroyed\).*\); making a new one and resuming from the last epoch's checkpoint \(epoch 1\) \(recovery 1 of 3\)/);
    expect(code!, `stdout:\n${out.join('\n')}\nstderr:\n${err.join('\n')}`).toBe(0);
    expect(out.join('\n')).toMatch(/resumed from checkpoint\.safetensors at epoch 1/);
    expect(out.some((l) => /^epoch 2: train loss/.test(l))).toBe(true);
    expect(out.join('\n')).toMatch(/test set12 sigma 25: PSNR [\d.]+ dB/);
    const ck = readCheckpoint(new Uint8Array(readFileSync(`${RUN}/checkpoint.safetensors`)), 'checkpoint.safetensors');
    expect(ck.meta.epoch).toBe(2);
    expect(existsSync(`${RUN}/metrics.json`)).toBe(true);
    // The history still starts at epoch 1: the checkpoint carried the epoch before the loss.
    expect((ck.meta.history as { epoch: number }[]).map((r) => r.epoch)).toEqual([1, 2]);
    const csv = readFileSync(`${RUN}/history.csv`, 'utf8').trim().split('\n');
    expect(csv.slice(1).map((l) => Number(l.split(',')[0]))).toEqual([1, 2]);
    expect(JSON.parse(readFileSync(`${RUN}/metrics.json`, 'utf8')).history.map((r: { epoch: number }) => r.epoch)).toEqual([1, 2]);
  });
});
