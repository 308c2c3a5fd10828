/**
 * `npm run bench -- [--quick] [--filter REGEX] [--json FILE] [--reps N]`: every kernel row, whole
 * training steps and inference (src/lab/benchRows.ts), timed in our engine and in TF.js's WebGPU
 * backend on the same device in one headless page (bench/page.ts runs src/lab/bench.ts). Prints
 * the adapter, its measured peak and a table; writes the JSON to --json, and a full run (no
 * --quick, no --filter) also to bench/results/kernels.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { openPage } from '../cli/browser.ts';
import { type BenchResult, type BenchRow, formatTable, tablePrinter } from '../src/lab/benchTable.ts';
import { selectRows } from '../src/lab/benchRows.ts';

const USAGE = `usage: npm run bench -- [--quick] [--filter REGEX] [--json FILE] [--reps N]
  --quick         the small subset (a few minutes on a CPU adapter)
  --filter REGEX  only rows whose name matches (e.g. conv2d_fwd, '^step_')
  --json FILE     write the results there (a full run also writes bench/results/kernels.json)
  --reps N        timed samples per row and engine, at least 3 (default 5)
A full run takes minutes on a GPU and hours on a CPU adapter (SwiftShader); exit code 1 when a
row fails its float64 reference check.`;

const DEFAULT_JSON = 'bench/results/kernels.json';

interface Args { quick: boolean; filter: RegExp | null; json: string | null; reps: number | undefined; help: boolean }

/** Parses argv; returns the problems found instead when there are any. */
export function parseArgs(argv: string[]): Args | { errors: string[] } {
  const a: Args = { quick: false, filter: null, json: null, reps: undefined, help: false };
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
  const session = await openPage('bench/page.html');
  try {
    const printer = tablePrinter(Math.max(...rows.map((r) => r.name.length)));
    // On a terminal, a row's sub-steps overwrite one status line; piped output gets whole lines only.
    const tty = process.stdout.isTTY;
    const line = (text: string) => process.stdout.write(tty ? `\r\x1b[K${text}\n` : `${text}\n`);
    let headed = false;
    await session.page.exposeFunction('benchEvent', (json: string) => {
      const ev = JSON.parse(json) as { type: 'progress'; message: string } | { type: 'row'; row: BenchRow };
      if (ev.type === 'progress') {
        if (!/: (first runs|checking|sample \d+\/\d+)$/.test(ev.message)) line(ev.message);
        else if (tty) process.stdout.write(`\r  ${ev.message}\x1b[K`);
        return;
      }
      if (!headed) { line(printer.header()); headed = true; }
      line(printer.line(ev.row));
    });
    await session.page.goto(session.url);
    await session.page.waitForFunction(() => 'bench' in window);
    console.log(`bench: ${rows.length} row${rows.length > 1 ? 's' : ''}${parsed.quick ? ' (quick)' : ''}${parsed.filter ? ` matching ${parsed.filter}` : ''}`);
    const result = await session.page.evaluate(
      (o) => window.bench.run(o),
      { quick: parsed.quick, filter: parsed.filter?.source ?? null, reps: parsed.reps },
    ) as BenchResult;
    result.browser = await session.page.browser().version();
    line('');
    const a = result.adapter;
    console.log(`WebGPU adapter: ${a.vendor} / ${a.architecture}${a.description ? ` (${a.description})` : ''}; browser ${result.browser}`);
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
    if (session.errors.length) { console.error(`bench: the page reported errors:\n  ${session.errors.join('\n  ')}`); return 1; }
    return 0;
  } finally {
    await session.close();
  }
}
