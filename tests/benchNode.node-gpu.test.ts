/**
 * `npm run bench -- --backend node` and `npm run check` as a user on a GPU server runs them: no
 * browser, both engines (ours and TF.js) on Dawn's device in the Node process, the JSON it writes,
 * and every kernel against its float64 reference with a verdict per shape.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { BenchResult } from '../src/lab/benchTable.ts';

const exec = promisify(execFile);
async function run(entry: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    return { code: 0, ...(await exec('node', ['cli/run.mjs', entry, ...args], { timeout: 300_000 })) };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

describe('npm run bench -- --backend node', () => {
  it('times our kernels and TF.js on the same Dawn device, checks them, and writes the JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-node-'));
    const file = join(dir, 'out.json');
    try {
      const r = await run('bench/kernels.ts', ['--quick', '--filter', '^(mse_n16|maxpool2d)', '--reps', '3', '--backend', 'node', '--json', file]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/, node backend/);
      expect(r.stdout).toMatch(/WebGPU adapter: .*; Node v\d+/);
      const j = JSON.parse(readFileSync(file, 'utf8')) as BenchResult;
      expect(j.backend).toBe('node');
      expect(j.browser).toMatch(/^Node v\d+.*Dawn \(npm webgpu \d+\.\d+/);
      expect(j.failed).toBeUndefined();
      expect(j.rows.map((x) => x.name)).toEqual(['maxpool2d_n8_h8w8_c256', 'mse_n16_h40w40_c1']);
      for (const row of j.rows) {
        expect(row.tfjs, `${row.name}: TF.js ran in Node`).not.toBeNull();
        expect(row.ref_pass, row.name).toBe(true);
        expect(row.max_diff_vs_tfjs!, row.name).toBeLessThan(1e-6);
        expect(row.ours.median_ms, row.name).toBeGreaterThan(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--adapter with --backend browser is refused with exit code 2', async () => {
    const r = await run('bench/kernels.ts', ['--backend', 'browser', '--adapter', 'NVIDIA']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--adapter chooses a Dawn adapter: it needs --backend node/);
  });
});

describe('npm run check', () => {
  it('checks each kernel at its shapes against the float64 reference and says which it skipped', async () => {
    const r = await run('bench/check.ts', ['--filter', '^(conv2d_backward_filter_tiled|conv2d_backward_filter_sum|adam)$', '--max-mflop', '1']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^WebGPU adapter: /m);
    expect(r.stdout).toMatch(/^conv2d_backward_filter_tiled +small n2_h9w11_c5to8_k3s2 +ok +worst /m);
    expect(r.stdout).toMatch(/^conv2d_backward_filter_tiled +dncnn layer 1 conv 40x40 64->64 .* skipped \(944 M > --max-mflop 1\)/m);
    expect(r.stdout).toMatch(/^conv2d_backward_filter_sum +small count1000_ks5 +ok /m);
    expect(r.stdout).toMatch(/^check: 3 passed, 0 failed, \d+ skipped/m);
  });

  it('bad arguments: exit code 2 with the usage', async () => {
    const a = await run('bench/check.ts', ['--filter', 'no_such_kernel']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/no kernel matches \/no_such_kernel\//);
    const b = await run('bench/check.ts', ['--max-mflop', '-3']);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/--max-mflop must be a positive number/);
  });
});
