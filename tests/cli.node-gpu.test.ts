/**
 * `npm run train -- --backend node` as a user runs it: the same files as `--backend browser`,
 * with the same numbers, and a one-line message with exit code 2 for each setup problem.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '../src/model/safetensors.ts';

const exec = promisify(execFile);
const TINY = ['--epochs', '1', '--steps', '1', '--limit', '10', '--batch', '2', '--patch', '16', '--test-limit', '1'];
// The same kernels on both backends: the tuner measures each backend apart (the browser hides the
// adapter's device and description, so its choices are kept under another key), and where two
// families come within its timing noise (winograd or quad) the backends may choose differently
// and round differently. Its own tests are tests/autotune.node-gpu.test.ts.
const SAME_KERNELS = ['--tune', 'off'];

async function train(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await exec('node', ['cli/run.mjs', 'cli/train.ts', ...args], { timeout: 300_000, env });
    return { code: 0, ...r };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

/** Every file of a run folder, relative to it, sorted. */
const listRun = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort();

const dirs = ['runs/test-cli-node', 'runs/test-cli-browser'];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

describe('npm run train -- --backend node', () => {
  it('writes the same files as the browser backend, with the same numbers', async () => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    const node = await train([...TINY, ...SAME_KERNELS, '--backend', 'node', '--name', 'test-cli-node']);
    expect(node.code, node.stderr).toBe(0);
    expect(node.stdout).toMatch(/^WebGPU adapter: .+ \(node backend\)$/m);
    expect(node.stdout).toMatch(/epoch 1: train loss .* val PSNR [\d.]+ dB/);
    if (/swiftshader/i.test(node.stdout)) expect(node.stderr).toMatch(/warning: this adapter runs WebGPU on the CPU/);
    const browser = await train([...TINY, ...SAME_KERNELS, '--backend', 'browser', '--name', 'test-cli-browser']);
    expect(browser.code, browser.stderr).toBe(0);
    expect(browser.stdout).toMatch(/\(browser backend\)/);

    const [a, b] = dirs;
    expect(listRun(a)).toEqual(listRun(b));
    expect(listRun(a)).toEqual(expect.arrayContaining(['checkpoint.safetensors', 'config.json', 'denoised-25/01.png', 'grid-25.png', 'history.csv', 'loss.png', 'metrics.csv', 'metrics.json']));
    const isPng = (f: string) => readFileSync(f).subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    for (const f of ['loss.png', 'grid-25.png', 'denoised-25/01.png']) expect(isPng(`${a}/${f}`), f).toBe(true);
    const metrics = (d: string) => JSON.parse(readFileSync(`${d}/metrics.json`, 'utf8'));
    const [ma, mb] = [metrics(a), metrics(b)];
    expect([ma.backend, mb.backend]).toEqual(['node', 'browser']);
    expect(ma.state).toBe('done');
    // Same adapter on both (SwiftShader in CI): bit-identical training and test results.
    if (/swiftshader/i.test(ma.adapter) && /swiftshader/i.test(mb.adapter)) {
      expect(readFileSync(`${a}/metrics.csv`, 'utf8')).toBe(readFileSync(`${b}/metrics.csv`, 'utf8'));
      expect(readFileSync(`${a}/denoised-25/01.png`).equals(readFileSync(`${b}/denoised-25/01.png`))).toBe(true);
      const [ca, cb] = [readSafetensors(readFileSync(`${a}/checkpoint.safetensors`)), readSafetensors(readFileSync(`${b}/checkpoint.safetensors`))];
      expect([...ca.tensors.keys()]).toEqual([...cb.tensors.keys()]);
      for (const [k, t] of ca.tensors) expect(Buffer.from(t.data.buffer).equals(Buffer.from(cb.tensors.get(k)!.data.buffer)), k).toBe(true);
      expect(ma.tests[0].mean).toEqual(mb.tests[0].mean);
    }
  });

  it('says what to do, with exit code 2, when it cannot start', async () => {
    const a = await train([...TINY, '--backend', 'node', '--adapter', 'NoSuchGpu', '--name', 'test-cli-x']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/^error: Dawn has no adapter named 'NoSuchGpu' \(a case-sensitive prefix\); (available: '.+|it found none at all)$/m);
    const b = await train([...TINY, '--backend', 'node', '--name', 'test-cli-x'], { ...process.env, VK_ICD_FILENAMES: '/nonexistent/icd.json' });
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/^error: Dawn found no adapter with the Vulkan drivers chosen by VK_ICD_FILENAMES.*\/nonexistent\/icd\.json/m);
    const c = await train(['--backend', 'gpu']);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/--backend must be node, browser or auto, got 'gpu'/);
    const d = await train(['--backend', 'browser', '--adapter', 'SwiftShader']);
    expect(d.code).toBe(2);
    expect(d.stderr).toMatch(/--adapter .* needs --backend node/);
    expect(existsSync('runs/test-cli-x'), 'no run folder before the backend starts').toBe(false);
  });
});
