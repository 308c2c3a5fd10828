/**
 * `npm run bench -- [--quick] [--filter REGEX] [--json FILE] [--reps N] [--backend B]`: every
 * kernel row, whole training steps and inference (src/lab/benchRows.ts), timed in our engine and in
 * TF.js's WebGPU backend on the same device (src/lab/bench.ts), either in this Node process on Dawn
 * or in a headless page (bench/page.ts). Prints the adapter, its measured peak and a table; writes
 * the JSON to --json, and a full run (no --quick, no --filter) also to bench/results/kernels.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { Backend } from '../cli/args.ts';
import { BackendError, chooseBackend, openPageOrFail, startNodeOrFail } from '../cli/backend.ts';
import { BENCH_FAMILIES, type BenchFamily, type BenchResult, type BenchRow, formatTable, tablePrinter } from '../src/lab/benchTable.ts';
import { selectRows } from '../src/lab/benchRows.ts';

const USAGE = `usage: npm run bench -- [--quick] [--filter REGEX] [--json FILE] [--reps N] [--family F] [--backend B] [--adapter NAME]
  --quick         the small subset (a few minutes on a CPU adapter)
  --filter REGEX  only rows whose name matches (e.g. conv2d_fwd, '^step_')
  --json FILE     write the results there (a full run also writes bench/results/kernels.json)
  --reps N        timed samples per row and engine, at least 3 (default 5)
  --family F      conv kernels: auto (default: the autotuner times each family at the rows'
                  shapes first and each shape runs its fastest; the JSON keeps those times),
                  or one family for every conv: naive, tiled (register tiles), shared, shared64,
                  wide, narrow, quad, window, winograd, winograd4, winograd4-t16, winograd-s2 or
                  winograd-s2-t16 (tiled where the family has no kernel for a role or shape)
  --backend B     node (this process, on Dawn: the optional npm package \`webgpu\`), browser
                  (headless Chromium) or auto: node when it finds an adapter (default auto).
                  Both engines run on the same device either way.
  --adapter NAME  node backend: Dawn's adapter by name (a case-sensitive prefix, e.g. NVIDIA)
A full run takes minutes on a GPU and hours on a CPU adapter (SwiftShader); exit code 1 when a
row fails its float64 reference check, 2 for bad arguments or no backend.`;

const DEFAULT_JSON = 'bench/results/kernels.json';

interface Args { quick: boolean; filter: RegExp | null; json: string | null; reps: number | undefined; help: boolean; backend: Backend; adapter: string | null; family: BenchFamily }

/** Parses argv; returns the problems found instead when there are any. */
export function parseArgs(argv: string[]): Args | { errors: string[] } {
  const a: Args = { quick: false, filter: null, json: null, reps: undefined, help: false, backend: 'auto', adapter: null, family: 'auto' };
  const errors: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[i + 1];
      if (v === undefined || v.startsWith('--')) { errors.push(`${flag} needs a value`); return null; }
      i++;
      return v;
    };
    switch (flag) {
      case '--quick': a.quick = true; break;
      case '--help': case '-h': a.help = true; break;
      case '--filter': {
        const v = value();
        if (v !== null) {
          try { a.filter = new RegExp(v); } catch (e) { errors.push(`--filter '${v}' is not a valid regular expression: ${(e as Error).message}`); }
        }
        break;
      }
      case '--json': { const v = value(); if (v !== null) a.json = v; break; }
      case '--adapter': { const v = value(); if (v !== null) a.adapter = v; break; }
      case '--family': {
        const v = value();
        if (BENCH_FAMILIES.includes(v as BenchFamily)) a.family = v as BenchFamily;
        else if (v !== null) errors.push(`--family must be ${BENCH_FAMILIES.join(', ')}, got '${v}'`);
        break;
      }
      case '--backend': {
        const v = value();
        if (v === 'node' || v === 'browser' || v === 'auto') a.backend = v;
        else if (v !== null) errors.push(`--backend must be node, browser or auto, got '${v}'`);
        break;
      }
      case '--reps': {
        const v = value();
        if (v !== null) {
          const n = Number(v);
          if (!Number.isInteger(n) || n < 3 || n > 1000) errors.push(`--reps must be an integer in [3, 1000], got ${v}`);
          else a.reps = n;
        }
        break;
      }
      default: errors.push(`unknown argument '${flag}'`);
    }
  }
  if (a.adapter !== null && a.backend === 'browser') errors.push('--adapter chooses a Dawn adapter: it needs --backend node (or auto)');
  return errors.length ? { errors } : a;
}

export async function main(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv);
  if ('errors' in parsed) {
    for (const e of parsed.errors) console.error(`bench: ${e}`);
    console.error(USAGE);
    return 2;
  }
  if (parsed.help) { console.log(USAGE); return 0; }
  const rows = selectRows({ quick: parsed.quick, filter: parsed.filter ?? undefined });
  if (!rows.length) {
    const all = selectRows({ quick: parsed.quick });
    console.error(`bench: no ${parsed.quick ? 'quick ' : ''}rows match --filter ${parsed.filter}; the ${all.length} rows are named like ${all.slice(0, 3).map((r) => r.name).join(', ')}, ...`);
    return 2;
  }
  const jsonPath = parsed.json ?? (parsed.quick || parsed.filter ? null : DEFAULT_JSON);

  const t0 = Date.now();
  const printer = tablePrinter(Math.max(...rows.map((r) => r.name.length)));
  // On a terminal, a row's sub-steps overwrite one status line; piped output gets whole lines only.
  const tty = process.stdout.isTTY;
  const line = (text: string) => process.stdout.write(tty ? `\r\x1b[K${text}\n` : `${text}\n`);
  let headed = false;
  const events: BenchEvents = {
    onProgress(message) {
      if (!/: (first runs|checking|sample \d+\/\d+)$/.test(message)) line(message);
      else if (tty) process.stdout.write(`\r  ${message}\x1b[K`);
    },
    onRow(row) {
      if (!headed) { line(printer.header()); headed = true; }
      line(printer.line(row));
    },
  };
  const options = { quick: parsed.quick, filter: parsed.filter?.source ?? null, reps: parsed.reps, family: parsed.family };
  let runner: BenchRunner;
  try {
    runner = await chooseBackend(parsed.backend, parsed.adapter, () => nodeRunner(parsed.adapter), browserRunner);
  } catch (e) {
    if (e instanceof BackendError) { console.error(`bench: ${e.message}`); return e.exitCode; }
    throw e;
  }
  try {
    console.log(`bench: ${rows.length} row${rows.length > 1 ? 's' : ''}${parsed.quick ? ' (quick)' : ''}${parsed.filter ? ` matching ${parsed.filter}` : ''}, ${runner.name} backend`);
    const result = await runner.run(options, events);
    line('');
    const a = result.adapter;
    console.log(`WebGPU adapter: ${a.vendor} / ${a.architecture}${a.description ? ` (${a.description})` : ''}; ${result.backend === 'node' ? '' : 'browser '}${result.browser}`);
    const both = (result.peak.measured ?? []).map((p) => `${p.gflops.toFixed(1)} / ${p.gbps.toFixed(1)}`).join(' and ');
    console.log(`peak: ${result.peak.gflops.toFixed(1)} GFLOP/s, ${result.peak.gbps.toFixed(1)} GB/s (the better of the start and end measurements, ${both}; `
      + `the table below uses it, the rows streamed above the start's); timing by ${result.rows[0]?.ours.method}; ${result.reps} samples per row and engine`);
    console.log(formatTable(result));
    if (jsonPath) {
      mkdirSync(dirname(jsonPath), { recursive: true });
      writeFileSync(jsonPath, `${JSON.stringify(result, null, 2)}\n`);
      console.log(`wrote ${jsonPath}`);
    }
    console.log(`bench: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    const failed = result.rows.filter((r) => r.ref_pass === false);
    if (failed.length) { console.error(`bench: ${failed.length} row(s) exceed their tolerance against the float64 reference: ${failed.map((r) => r.name).join(', ')}`); return 1; }
    if (result.failed?.length) { console.error(`bench: ${result.failed.length} row(s) failed:\n  ${result.failed.map((f) => `${f.name}: ${f.error}`).join('\n  ')}`); return 1; }
    if (runner.errors.length) { console.error(`bench: the page reported errors:\n  ${runner.errors.join('\n  ')}`); return 1; }
    return 0;
  } finally {
    await runner.close();
  }
}

interface BenchEvents { onProgress(message: string): void; onRow(row: BenchRow): void }
interface BenchOptionsJson { quick: boolean; filter: string | null; reps?: number; family?: BenchFamily }

/** Where the benchmark runs: src/lab/bench.ts in this process, or in the headless page. */
interface BenchRunner {
  readonly name: 'node' | 'browser';
  run(o: BenchOptionsJson, events: BenchEvents): Promise<BenchResult>;
  /** Errors the page reported (browser). */
  readonly errors: string[];
  close(): Promise<void>;
}

/** In this process, on Dawn: no browser needed (a GPU server), TF.js on the same device. */
async function nodeRunner(adapter: string | null): Promise<BenchRunner> {
  await startNodeOrFail(adapter);
  const { runBench } = await import('../src/lab/bench.ts');
  const { releaseNodeGpu } = await import('../src/node/index.ts');
  let webgpu = '?';
  try { webgpu = (createRequire(import.meta.url)('webgpu/package.json') as { version: string }).version; } catch { /* reported as '?' */ }
  return {
    name: 'node',
    errors: [],
    async run(o, events) {
      const result = await runBench({ ...o, filter: o.filter === null ? undefined : new RegExp(o.filter), ...events });
      return { ...result, backend: 'node', browser: `Node ${process.version}, Dawn (npm webgpu ${webgpu})` };
    },
    async close() { releaseNodeGpu(); },
  };
}

/** In headless Chromium: bench/page.ts runs the same src/lab/bench.ts and streams events back. */
async function browserRunner(): Promise<BenchRunner> {
  const session = await openPageOrFail('bench/page.html');
  return {
    name: 'browser',
    errors: session.errors,
    async run(o, events) {
      await session.page.exposeFunction('benchEvent', (json: string) => {
        const ev = JSON.parse(json) as { type: 'progress'; message: string } | { type: 'row'; row: BenchRow };
        if (ev.type === 'progress') events.onProgress(ev.message);
        else events.onRow(ev.row);
      });
      await session.page.goto(session.url);
      await session.page.waitForFunction(() => 'bench' in window);
      const result = await session.page.evaluate((x) => window.bench.run(x), o) as BenchResult;
      return { ...result, backend: 'browser', browser: await session.page.browser().version() };
    },
    close: () => session.close(),
  };
}
