/**
 * `npm run check -- [--filter REGEX] [--max-mflop N] [--adapter NAME]`: is the engine right on
 * this GPU? Every kernel of the table, alone, on seeded inputs, against its float64 reference
 * (src/lab/check.ts, the suite's and the lab's rule), at the small shape and at each of the
 * presets' real layer shapes the reference can afford. Runs in this process on Dawn (the Node
 * backend); the lab page does the same in a browser. Exit code 1 when any check fails.
 */
import { KERNELS } from '../src/engine/kernels.ts';
import { checkKernel } from '../src/lab/check.ts';
import { offeredShapes } from '../src/lab/shapes.ts';
import { shapeName } from '../src/lab/cases.ts';
import { BackendError, startNodeOrFail } from '../cli/backend.ts';

const USAGE = `usage: npm run check -- [--filter REGEX] [--max-mflop N] [--adapter NAME]
  --filter REGEX  only kernels whose name matches (e.g. conv2d, adam)
  --max-mflop N   skip shapes whose float64 reference needs more than N million multiply-adds
                  (default 20: seconds on one core; a shape over it is listed as skipped)
  --adapter NAME  Dawn's adapter by name (a case-sensitive prefix, e.g. NVIDIA or SwiftShader)
Every kernel runs alone against its float64 reference under the suite's tolerances, in this
process on Dawn (the optional npm package \`webgpu\`). Exit code 1 when a check fails.`;

export async function main(argv: string[]): Promise<number> {
  let filter: RegExp | null = null, maxMflop = 20, adapter: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i], v = argv[i + 1];
    if (flag === '--help' || flag === '-h') { console.log(USAGE); return 0; }
    if (!['--filter', '--max-mflop', '--adapter'].includes(flag)) { console.error(`check: unknown argument '${flag}'\n${USAGE}`); return 2; }
    if (v === undefined || v.startsWith('--')) { console.error(`check: ${flag} needs a value\n${USAGE}`); return 2; }
    i++;
    if (flag === '--filter') {
      try { filter = new RegExp(v); } catch (e) { console.error(`check: --filter '${v}' is not a valid regular expression: ${(e as Error).message}`); return 2; }
    } else if (flag === '--max-mflop') {
      maxMflop = Number(v);
      if (!(maxMflop > 0)) { console.error(`check: --max-mflop must be a positive number, got ${v}`); return 2; }
    } else adapter = v;
  }
  const names = Object.keys(KERNELS).filter((n) => !filter || filter.test(n));
  if (!names.length) { console.error(`check: no kernel matches ${filter}; kernels are named like ${Object.keys(KERNELS).slice(0, 3).join(', ')}, ...`); return 2; }
  let device: string;
  try {
    device = await startNodeOrFail(adapter);
  } catch (e) {
    if (e instanceof BackendError) { console.error(`check: ${e.message}`); return e.exitCode; }
    throw e;
  }
  console.log(`WebGPU adapter: ${device}`);
  const t0 = Date.now();
  let passed = 0, failed = 0, skipped = 0;
  for (const name of names) {
    const row = KERNELS[name];
    for (const { label, dims } of offeredShapes(row)) {
      // The reference's work: multiply-adds for the arithmetic kernels, else elements moved.
      const work = Math.max(row.flops(dims) / 2, row.bytes(dims) / 4);
      const what = `${name.padEnd(28)} ${`${label} ${shapeName(row, dims)}`.padEnd(58)}`;
      if (work > maxMflop * 1e6) { skipped++; console.log(`${what} skipped (${(work / 1e6).toFixed(0)} M > --max-mflop ${maxMflop})`); continue; }
      try {
        const c = await checkKernel(name, dims, 1);
        if (c.pass) passed++; else failed++;
        console.log(`${what} ${c.pass ? 'ok  ' : 'FAIL'} worst ${c.maxErr.toExponential(1)} = ${(100 * c.share).toFixed(1)}% of tolerance${c.pass ? '' : ` (${c.bad} values over)`}`);
      } catch (e) {
        failed++;
        console.log(`${what} FAIL ${(e as Error).message.split('\n')[0]}`);
      }
    }
  }
  console.log(`check: ${passed} passed, ${failed} failed, ${skipped} skipped (over --max-mflop) on ${device}, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  (await import('../src/node/index.ts')).releaseNodeGpu();
  return failed ? 1 : 0;
}
