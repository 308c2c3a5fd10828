/**
 * The README's main command, `npm run train`, run as a user would (tiny settings): it trains in
 * headless Chromium and writes every promised file into runs/<name>/. Bad arguments get a message.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { readSafetensors } from '../src/model/safetensors.ts';

const run = promisify(execFile);
const train = (args: string[]) => run('node', ['cli/run.mjs', 'cli/train.ts', ...args], { timeout: 600_000 });

describe('npm run train', () => {
  it('trains, evaluates and writes runs/<name>/', async () => {
    const name = 'test-cli';
    rmSync(`runs/${name}`, { recursive: true, force: true });
    const { stdout } = await train(['--epochs', '1', '--steps', '3', '--limit', '10', '--batch', '2', '--patch', '16', '--test-limit', '1', '--name', name]);
    expect(stdout).toMatch(/WebGPU adapter: /);
    expect(stdout).toMatch(/epoch 1: train loss .* val PSNR [\d.]+ dB/);
    expect(stdout).toMatch(/test set12 sigma 25: PSNR [\d.]+ dB \(noisy 2\d\.\d\d dB\)/);
    const dir = `runs/${name}`;
    for (const f of ['metrics.json', 'metrics.csv', 'history.csv', 'loss.png', 'grid-25.png', 'checkpoint.safetensors', 'config.json', 'denoised-25/01.png']) {
      expect(existsSync(`${dir}/${f}`), f).toBe(true);
    }
    const metrics = JSON.parse(readFileSync(`${dir}/metrics.json`, 'utf8'));
    expect(metrics.state).toBe('done');
    expect(metrics.tests[0].perImage).toHaveLength(1);
    expect(metrics.tests[0].mean.psnrNoisy).toBeGreaterThan(19.5);
    const ck = readSafetensors(readFileSync(`${dir}/checkpoint.safetensors`));
    expect(JSON.parse(ck.metadata.checkpoint).preset).toBe('small');
    expect(readFileSync(`${dir}/loss.png`).subarray(1, 4).toString()).toBe('PNG');
    // The plot has every step's training loss: the 3 steps of this one epoch are a line across
    // two thirds of the plot (720 px wide), not one dot at epoch 1. Columns holding the
    // training series' blue (#1f77b4, or lighter where a line is anti-aliased):
    const png = PNG.sync.read(readFileSync(`${dir}/loss.png`));
    const blue = new Set<number>();
    for (let i = 0; i < png.width * png.height; i++) if (png.data[4 * i + 2] - png.data[4 * i] > 60) blue.add(i % png.width);
    expect(blue.size).toBeGreaterThan(200);
    rmSync(dir, { recursive: true, force: true });
  });

  it('--profile times one training step and prints it by phase, layer and kernel (shape, not timings)', async () => {
    const name = 'test-cli-profile';
    rmSync(`runs/${name}`, { recursive: true, force: true });
    const { stdout } = await train(['--profile', '--batch', '2', '--patch', '16', '--name', name]);
    expect(stdout).toMatch(/WebGPU adapter: /);
    expect(stdout).toMatch(/one training step of 'small' \(gray, batch 2, 16x16, 56,097 parameters\) on /);
    expect(stdout).toMatch(/^\d+ dispatches timed: [\d.]+ ms of GPU time in all, [\d.]+ GFLOP/m);
    const ms = '[\\d.]+';
    for (const phase of ['data', 'forward', 'loss', 'backward', 'optimizer', 'total']) {
      expect(stdout).toMatch(new RegExp(`^  ${phase} +${ms} +${ms}% +(${ms}|-) +\\d+$`, 'm'));
    }
    // A row per layer with forward, backward and total columns; data, loss and optimizer rows.
    for (let i = 0; i < 8; i++) expect(stdout).toMatch(new RegExp(`^  layers\\.${i} conv2d +${ms} +${ms} +${ms} +${ms}% `, 'm'));
    for (const row of ['data', 'residual', 'loss', 'optimizer']) expect(stdout).toMatch(new RegExp(`^  ${row} +(-|${ms}) +(-|${ms}) +${ms} +${ms}% `, 'm'));
    expect(stdout).toMatch(/^  adam +optimizer +1 +[\d.]+ +[\d.]+% /m);
    expect(stdout).toMatch(/^  noise +data +1 /m);
    expect(existsSync(`runs/${name}`), '--profile writes no run folder').toBe(false);
  });

  it('rejects bad arguments with a message and exit code 2, before starting a browser', async () => {
    const fail = async (args: string[]) => {
      try { await train(args); return { code: 0, stderr: '' }; } catch (e) { const x = e as { code: number; stderr: string }; return { code: x.code, stderr: x.stderr }; }
    };
    const a = await fail(['--epochs', '0', '--lr', '-3']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/epochs must be an integer in \[1, 100000\], got 0/);
    expect(a.stderr).toMatch(/lr must be in \(0, 10\], got -3/);
    const b = await fail(['--data', 'tests/support']);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/--data '.*tests\/support' holds no images/);
    const help = await train(['--help']);
    expect(help.stdout).toMatch(/--profile +instead of training: time one training step/);
  });
});
