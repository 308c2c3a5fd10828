/**
 * `npm run bench` run as a user would, on a few small rows: the JSON it writes has the promised
 * structure (never its timings, which depend on the machine), and bad arguments get a message and
 * exit code 2 before any browser starts.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KERNELS } from '../src/engine/kernels.ts';
import { describe, expect, it } from 'vitest';
import { selectRows } from '../src/lab/benchRows.ts';
import type { BenchResult } from '../src/lab/benchTable.ts';

const run = promisify(execFile);
const bench = (args: string[]) => run('node', ['cli/run.mjs', 'bench/kernels.ts', ...args], { timeout: 300_000 });
const DEFAULT_JSON = 'bench/results/kernels.json';

function expectTiming(t: unknown, reps: number): void {
  expect(t).toMatchObject({ median_ms: expect.any(Number), min_ms: expect.any(Number), max_ms: expect.any(Number), first_ms: expect.any(Number), batch: expect.any(Number) });
  const x = t as BenchResult['rows'][number]['ours'];
  expect(['timestamp', 'queue']).toContain(x.method);
  expect(x.samples_ms).toHaveLength(reps);
  expect(x.min_ms).toBeLessThanOrEqual(x.median_ms);
  expect(x.median_ms).toBeLessThanOrEqual(x.max_ms);
  expect(x.min_ms).toBeGreaterThanOrEqual(0);
  expect(x.first_ms).toBeGreaterThan(0);
  expect(Number.isInteger(x.batch) && x.batch >= 1).toBe(true);
}

describe('npm run bench', () => {
  it('--quick --filter conv2d_fwd --json FILE writes rows with the promised fields', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-'));
    const file = join(dir, 'out.json');
    const before = existsSync(DEFAULT_JSON) ? statSync(DEFAULT_JSON).mtimeMs : null;
    try {
      const { stdout } = await bench(['--quick', '--filter', 'conv2d_fwd', '--json', file, '--reps', '3', '--backend', 'browser']);
      expect(stdout).toMatch(/WebGPU adapter: /);
      expect(stdout).toMatch(/name +ours ms +TF\.js ms +ratio +GFLOP\/s/);
      expect(stdout).toContain(`wrote ${file}`);
      // A filtered run writes only where --json says.
      expect(existsSync(DEFAULT_JSON) ? statSync(DEFAULT_JSON).mtimeMs : null).toBe(before);

      const r = JSON.parse(readFileSync(file, 'utf8')) as BenchResult;
      for (const k of ['vendor', 'architecture', 'description'] as const) expect(typeof r.adapter[k]).toBe('string');
      expect(r.backend).toBe('browser');
      expect(r.browser).toMatch(/\d+\.\d+/);
      expect(Number.isNaN(Date.parse(r.date))).toBe(false);
      expect(r.peak.gflops).toBeGreaterThan(0);
      expect(r.peak.gbps).toBeGreaterThan(0);
      expect(r.quick).toBe(true);
      expect(r.reps).toBe(3);
      // Exactly the quick rows the filter selects, in order.
      const want = selectRows({ quick: true, filter: /conv2d_fwd/ }).map((s) => s.name);
      expect(want.length).toBeGreaterThan(0);
      expect(r.rows.map((row) => row.name)).toEqual(want);
      for (const row of r.rows) {
        const what = `row ${row.name}`;
        expect(row.name, what).toMatch(/conv2d_fwd/);
        expect(row.kind, what).toBe('kernel');
        // The kernel the tuner chose for the shape: a forward conv kernel of the table (which one
        // depends on the adapter: on SwiftShader tiled, quad or window).
        expect(KERNELS[row.kernel ?? '']?.op, what).toBe('conv2d');
        expect(KERNELS[row.kernel ?? '']?.role, what).toBe('forward');
        expect(row.flop, what).toBeGreaterThan(0);
        expect(row.bytes, what).toBeGreaterThan(0);
        expectTiming(row.ours, 3);
        expect(row.tfjs, `${what}: TF.js has a conv`).not.toBeNull();
        expectTiming(row.tfjs, 3);
        expect(row.ratio, what).toBeCloseTo(row.tfjs!.median_ms / row.ours.median_ms, 9);
        for (const k of ['gflops', 'gbps', 'pct_peak'] as const) expect(row[k], `${what}: ${k}`).toBeGreaterThanOrEqual(0);
        expect(['compute', 'memory']).toContain(row.bound);
        expect(row.max_diff_vs_tfjs, what).toEqual(expect.any(Number));
        expect(row.max_diff_vs_tfjs!, what).toBeLessThan(1e-3);
        // src/lab/benchWork.ts: the float64 reference runs up to 2e7 multiply-adds (or elements moved).
        if (Math.max(row.flop / 2, row.bytes / 4) <= 2e7) {
          expect(row.max_err_vs_ref, what).toEqual(expect.any(Number));
          expect(row.ref_pass, what).toBe(true);
        } else {
          expect(row.max_err_vs_ref, what).toBeNull();
        }
      }
      expect(r.rows.some((row) => row.max_err_vs_ref !== null)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects bad arguments with a message and exit code 2, before starting a browser', async () => {
    const fail = async (args: string[]) => {
      try { await bench(args); return { code: 0, stderr: '' }; } catch (e) { const x = e as { code: number; stderr: string }; return { code: x.code, stderr: x.stderr }; }
    };
    const a = await fail(['--quick', '--nope', '--reps', '2', '--filter', '(']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/unknown argument '--nope'/);
    expect(a.stderr).toMatch(/--reps must be an integer in \[3, 1000\], got 2/);
    expect(a.stderr).toMatch(/--filter '\(' is not a valid regular expression/);
    expect(a.stderr).toMatch(/usage: npm run bench/);
    const b = await fail(['--quick', '--filter', 'no_such_row']);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/no quick rows match --filter \/no_such_row\//);
    const c = await fail(['--json']);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/--json needs a value/);
  });
});
