/**
 * The kernel table (src/engine/kernels.ts) against the kernels themselves: every .wgsl file has a
 * row and every row a file; each row's workgroup size, bindings, variant condition and backward
 * agree with the file's reflection and header; the named op codes agree on both sides; the
 * formulas give sane numbers; ops pick the variant the table says.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { reflectKernel } from '../src/engine/kernel.ts';
import { filterGradSplit, slidingSplit } from '../src/engine/ops/convGrad.ts';
import { CODE_TABLES, DERIVED, KERNELS, SHARED_TILE, TILE, WIDE_FILTER_TILE, WINDOW_TILE, WINOGRAD_TILE, familiesFor, hasConvGeometry, pickKernel, wgslCodeName } from '../src/engine/kernels.ts';
import * as reference from '../src/engine/reference.ts';
import * as referenceData from '../src/engine/referenceData.ts';
import * as referenceWinograd from '../src/engine/referenceWinograd.ts';

const DIR = 'src/shaders';
const files = readdirSync(DIR).filter((f) => f.endsWith('.wgsl')).map((f) => f.replace(/\.wgsl$/, '')).sort();
const source = (name: string) => readFileSync(`${DIR}/${name}.wgsl`, 'utf8');
/** The leading comment block of a file: its documentation. */
const header = (src: string) => src.split('\n').filter((_, i, all) => all.slice(0, i + 1).every((l) => l.startsWith('//'))).join('\n');

// A DnCNN layer and a strided, odd-sized one: every formula must give positive integers at both.
const CONV_SHAPES = [
  { N: 16, H: 40, W: 40, CI: 64, OH: 40, OW: 40, CO: 64, KH: 3, KW: 3, S: 1, PT: 1, PL: 1 },
  { N: 2, H: 7, W: 5, CI: 3, OH: 4, OW: 3, CO: 5, KH: 3, KW: 3, S: 2, PT: 1, PL: 1 },
];
const OTHER_SHAPES = [
  { count: 1000, N: 2, H: 16, W: 12, C: 3, OH: 8, OW: 6, F: 2, M: 384, segments: 2, segLen: 576, chunks: 1, KS: 4, CO: 8 },
];

describe('the kernel table', () => {
  it('has a row for every .wgsl file in src/shaders, and a file for every row', () => {
    expect(Object.keys(KERNELS).sort()).toEqual(files);
  });

  for (const name of files) {
    it(`${name}: workgroup size, bindings, condition and backward agree with the file`, () => {
      const row = KERNELS[name];
      const src = source(name);
      const head = header(src);
      const info = reflectKernel(name, src);
      // WG: an override whose default is the table's size (the runtime passes it explicitly too).
      expect(info.overrides).toContain('WG');
      expect(src).toMatch(new RegExp(`override WG: u32 = ${row.wg}u;`));
      // The header documents every binding with its access, as "<binding> <name> (<access>".
      for (const s of info.storage) expect(head, `${name}: header binding ${s.name}`).toContain(`${s.binding} ${s.name} (${s.access}`);
      expect(head).toMatch(/Dispatch/);
      expect(head).toMatch(/Cost/);
      if (row.when) expect(head, `${name}: header states its condition`).toContain(row.when.text);
      if (row.backward.length) {
        expect(head).toMatch(/Backward[^:\n]*:(?! none)/);
        for (const b of row.backward) expect(KERNELS[b], `${name}: backward kernel ${b}`).toBeDefined();
      } else {
        expect(head).toMatch(/Backward(: none| of:)/);
      }
      // The reference that checks it exists.
      const refs = { ...reference, ...referenceData, ...referenceWinograd } as Record<string, unknown>;
      expect(typeof refs[row.reference], `${name}: reference ${row.reference}`).toBe('function');
      expect(row.launcher, `${name}: launcher of op ${row.op}`).toMatch(/^src\/engine\/.*\.ts$/);
      // The launcher names it, unless the op picks it from the table (the conv families).
      if (!row.when && row.variant !== 'naive' && !row.variant.startsWith('shared')) expect(readFileSync(row.launcher, 'utf8'), `${row.launcher} launches ${name}`).toContain(`'${name}'`);
    });
  }

  it('op codes: every <TABLE>_<KEY> const in the WGSL equals the table, every code is used, no bare case labels', () => {
    const seen = new Set<string>();
    for (const name of files) {
      const src = source(name);
      for (const m of src.matchAll(/^const ([A-Z0-9]+)_([A-Z0-9_]+): u32 = (\d+)u;/gm)) {
        const table = CODE_TABLES[m[1]];
        if (!table) continue;
        const key = Object.keys(table).find((k) => wgslCodeName(m[1], k) === `${m[1]}_${m[2]}`);
        expect(key, `${name}: ${m[1]}_${m[2]} has no entry in ${m[1]}`).toBeDefined();
        expect(table[key!], `${name}: ${m[1]}_${m[2]}`).toBe(Number(m[3]));
        seen.add(`${m[1]}.${key}`);
      }
      // A switch over an override (ACT, OP, MODE, KIND) names its cases.
      for (const m of src.matchAll(/switch (ACT|OP|MODE|KIND) \{([^]*?)\n {2}\}/g)) {
        expect(m[2], `${name}: switch ${m[1]} uses bare numbers`).not.toMatch(/case \d/);
      }
    }
    for (const [t, table] of Object.entries(CODE_TABLES)) for (const k of Object.keys(table)) expect(seen, `${t}.${k} declared in no kernel`).toContain(`${t}.${k}`);
  });

  it('formulas give positive integers; tiles cover every output exactly once per invocation count', () => {
    for (const row of Object.values(KERNELS)) {
      const shapes = hasConvGeometry(row) ? CONV_SHAPES : OTHER_SHAPES;
      for (const d of shapes) {
        for (const [what, v] of [['invocations', row.invocations(d)], ['workgroups', row.workgroups(d)], ['bytes', row.bytes(d)], ['flops', row.flops(d)]] as const) {
          expect(Number.isInteger(v) && v >= 0, `${row.name} ${what} = ${v}`).toBe(true);
        }
        expect(row.workgroups(d)).toBeGreaterThan(0);
        expect(row.workgroups(d) * row.wg).toBeGreaterThanOrEqual(row.invocations(d));
      }
    }
    // The forward conv's outputs: invocations x outputs per invocation covers N*OH*OW*CO.
    const d = CONV_SHAPES[0];
    expect(KERNELS.conv2d_tiled.invocations(d) * KERNELS.conv2d_tiled.perInvocation).toBe(d.N * d.OH * d.OW * d.CO);
    expect(KERNELS.conv2d.flops(d)).toBe(2 * 16 * 40 * 40 * 64 * 9 * 64);
  });

  it('register tiles: TILE and perInvocation agree with the WGSL constants TP, TR and TC (or 4 * TC4)', () => {
    for (const [name, t] of Object.entries(TILE)) {
      const src = source(name);
      const konst = (k: string) => { const m = src.match(new RegExp(`^const ${k}: u32 = (\\d+)u;`, 'm')); return m ? Number(m[1]) : undefined; };
      const C = konst('TC') ?? 4 * konst('TC4')!;
      expect(C, `${name}: channels per invocation`).toBe(t.C);
      const other = 'P' in t ? konst('TP') : konst('TR');
      expect(other, `${name}: pixels or input channels per invocation`).toBe('P' in t ? t.P : t.R);
      expect(KERNELS[name].perInvocation, `${name}: perInvocation`).toBe(C * other!);
    }
  });

  it('pickKernel: vec4 tiles when CO % 4 == 0, scalar tiles otherwise, naive on request', () => {
    const [a, b] = CONV_SHAPES;
    expect(pickKernel('conv2d', 'forward', 'tiled', a).name).toBe('conv2d_tiled');
    expect(pickKernel('conv2d', 'forward', 'tiled', b).name).toBe('conv2d_tiled_scalar');
    expect(pickKernel('conv2d', 'input-grad', 'tiled', b).name).toBe('conv2d_transpose_tiled_scalar');
    expect(pickKernel('conv2d', 'weight-grad', 'naive', a).name).toBe('conv2d_backward_filter');
    expect(() => pickKernel('conv2d', 'optimizer', 'tiled', a)).toThrow(/no tiled kernel/);
    // The shared family serves any CO, forward and input gradient; the weight gradient has none.
    expect(pickKernel('conv2d', 'forward', 'shared', b).name).toBe('conv2d_shared');
    expect(pickKernel('conv2d', 'input-grad', 'shared', b).name).toBe('conv2d_transpose_shared');
    const none = new Set<string>();
    const subgroups = new Set(['subgroups']);
    expect(familiesFor('conv2d', 'forward', b, none)).toEqual(['naive', 'tiled', 'shared', 'shared64', 'wide']);
    expect(familiesFor('conv2d', 'forward', { ...a, CO: 3 }, none)).toEqual(['naive', 'tiled', 'shared', 'shared64', 'wide', 'narrow', 'window']);
    // window: 3x3 stride 1 only.
    expect(familiesFor('conv2d', 'forward', { ...a, CO: 3, S: 2 }, none)).not.toContain('window');
    expect(familiesFor('conv2d', 'forward', { ...a, CO: 3, KW: 5 }, none)).not.toContain('window');
    // One output channel over vec4s of input channels (window1); other CO <= 4, or CI not a multiple of 4: window.
    expect(pickKernel('conv2d', 'forward', 'window', { ...a, CO: 1 }).name).toBe('conv2d_window1');
    expect(pickKernel('conv2d', 'forward', 'window', { ...a, CO: 1, CI: 6 }).name).toBe('conv2d_window');
    expect(pickKernel('conv2d', 'forward', 'window', { ...a, CO: 3 }).name).toBe('conv2d_window');
    expect(pickKernel('conv2d', 'weight-grad', 'window', { ...a, CO: 1 }).name).toBe('conv2d_backward_filter_window1');
    expect(pickKernel('conv2d', 'weight-grad', 'window', { ...a, CO: 1, CI: 6 }).name).toBe('conv2d_backward_filter_window');
    expect(pickKernel('conv2d', 'weight-grad', 'window', { ...a, CO: 3 }).name).toBe('conv2d_backward_filter_window');
    // One input channel at 3x3 stride 1 slides a window (narrow1); other first layers: rows of taps.
    expect(pickKernel('conv2d', 'weight-grad', 'narrow', { ...a, CI: 1 }).name).toBe('conv2d_backward_filter_narrow1');
    expect(pickKernel('conv2d', 'weight-grad', 'narrow', { ...a, CI: 3 }).name).toBe('conv2d_backward_filter_narrow');
    expect(pickKernel('conv2d', 'weight-grad', 'narrow', { ...a, CI: 1, S: 2 }).name).toBe('conv2d_backward_filter_narrow');
    // ... and its forward (narrow's other forward, conv2d_narrow, is for CO <= 4 with CI % 4 == 0).
    expect(familiesFor('conv2d', 'forward', { ...a, CI: 1 }, none)).toContain('narrow');
    expect(pickKernel('conv2d', 'forward', 'narrow', { ...a, CI: 1 }).name).toBe('conv2d_narrow1');
    expect(familiesFor('conv2d', 'forward', { ...a, CI: 1, KH: 5, KW: 5 }, none)).not.toContain('narrow');
    expect(familiesFor('conv2d', 'weight-grad', { ...a, CO: 1, CI: 6 }, none)).toContain('window');
    expect(familiesFor('conv2d', 'input-grad', { ...a, CO: 3 }, none)).toContain('window');
    expect(pickKernel('conv2d', 'input-grad', 'window', { ...a, CO: 3 }).name).toBe('conv2d_transpose_window');
    expect(familiesFor('conv2d', 'input-grad', b, none)).toEqual(['naive', 'tiled', 'shared', 'shared64']);
    expect(familiesFor('conv2d', 'input-grad', { ...a, CI: 1 }, none)).toEqual(['naive', 'tiled', 'shared', 'shared64', 'narrow']);
    expect(familiesFor('conv2d', 'weight-grad', a, none)).toEqual(['naive', 'tiled', 'wide']);
    // quad: only on a device with subgroups, and only at 32-channel multiples (dx: of CI).
    expect(familiesFor('conv2d', 'forward', a, subgroups)).toEqual(['naive', 'tiled', 'shared', 'shared64', 'wide', 'quad', 'winograd', 'winograd4', 'winograd4-t16']);
    expect(familiesFor('conv2d', 'input-grad', a, subgroups)).toEqual(['naive', 'tiled', 'shared', 'shared64', 'quad', 'winograd', 'winograd4', 'winograd4-t16']);
    expect(familiesFor('conv2d', 'weight-grad', a, subgroups)).toEqual(['naive', 'tiled', 'wide', 'quad', 'winograd']); // winograd4: no weight gradient
    expect(familiesFor('conv2d', 'forward', { ...a, CO: 48 }, subgroups)).not.toContain('quad');
    expect(familiesFor('conv2d', 'input-grad', { ...a, CI: 48 }, subgroups)).not.toContain('quad');
    expect(familiesFor('conv2d', 'input-grad', { ...a, CO: 48 }, subgroups)).toContain('quad');
    expect(pickKernel('conv2d', 'weight-grad', 'quad', a).name).toBe('conv2d_backward_filter_tiled_quad');
    // winograd: the forward of a 3x3 stride-1 conv with CI % 4 == 0 and CO % 32 == 0, with subgroups.
    expect(pickKernel('conv2d', 'forward', 'winograd', a).name).toBe('conv2d_winograd');
    expect(familiesFor('conv2d', 'forward', a, none)).not.toContain('winograd');
    for (const d of [{ ...a, S: 2 }, { ...a, KH: 5, KW: 5 }, { ...a, CI: 3 }, { ...a, CO: 48 }]) expect(familiesFor('conv2d', 'forward', d, subgroups)).not.toContain('winograd');
    // Its input gradient (the adjoint: CO to CI channels) with the channel conditions swapped.
    expect(pickKernel('conv2d', 'input-grad', 'winograd', a).name).toBe('conv2d_transpose_winograd');
    expect(familiesFor('conv2d', 'input-grad', { ...a, CI: 48 }, subgroups)).not.toContain('winograd');
    expect(familiesFor('conv2d', 'input-grad', { ...a, CI: 32, CO: 6 }, subgroups)).not.toContain('winograd');
    expect(familiesFor('conv2d', 'input-grad', { ...a, CI: 32, CO: 4 }, subgroups)).toContain('winograd');
    // Its weight gradient: CI % 8 == 0 and CO % 32 == 0.
    expect(pickKernel('conv2d', 'weight-grad', 'winograd', a).name).toBe('conv2d_backward_filter_winograd');
    expect(familiesFor('conv2d', 'weight-grad', { ...a, CI: 12 }, subgroups)).not.toContain('winograd');
    expect(familiesFor('conv2d', 'weight-grad', { ...a, CO: 16 }, subgroups)).not.toContain('winograd');
    expect(familiesFor('conv2d', 'weight-grad', { ...a, S: 2 }, subgroups)).not.toContain('winograd');
    // winograd4 (F(4x4, 3x3)): winograd's conditions in the forward and the input gradient; its first
    // pass stands for it. No weight gradient (F(3x3, 4x4) rounds too much): no row for that role.
    expect(pickKernel('conv2d', 'forward', 'winograd4', a).name).toBe('conv2d_winograd4_weights');
    expect(pickKernel('conv2d', 'input-grad', 'winograd4', a).name).toBe('conv2d_transpose_winograd4');
    expect(Object.values(KERNELS).filter((k) => k.variant === 'winograd4').map((k) => k.role).sort()).toEqual(['forward', 'input-grad']);
    for (const role of ['forward', 'input-grad', 'weight-grad'] as const) {
      expect(familiesFor('conv2d', role, a, none)).not.toContain('winograd4');
      for (const d of [{ ...a, S: 2 }, { ...a, KH: 5, KW: 5 }, { ...a, CI: 12, CO: 48 }]) expect(familiesFor('conv2d', role, d, subgroups), role).not.toContain('winograd4');
    }
    // winograd4-t16, a tile variant: offered wherever winograd4 is (its roles), and runs winograd4's rows.
    for (const role of ['forward', 'input-grad', 'weight-grad'] as const) {
      for (const d of [a, { ...a, S: 2 }, { ...a, CI: 12, CO: 48 }, { ...a, CI: 32, CO: 4 }]) {
        for (const f of [none, subgroups]) expect(familiesFor('conv2d', role, d, f).includes('winograd4-t16'), role).toBe(familiesFor('conv2d', role, d, f).includes('winograd4'));
      }
    }
    expect(pickKernel('conv2d', 'forward', 'winograd4-t16', a).name).toBe('conv2d_winograd4_weights');
    expect(pickKernel('conv2d', 'input-grad', 'winograd4-t16', a).name).toBe('conv2d_transpose_winograd4');
    expect(DERIVED['winograd4-t16']!.product).toBe('conv2d_winograd_t16');
  });

  it("the wide weight gradient's tile: WIDE_FILTER_TILE agrees with its WGSL constants BK, BN and BM", () => {
    const src = source('conv2d_backward_filter_wide');
    const konst = (k: string) => Number(src.match(new RegExp(`^const ${k}: u32 = (\\d+)u;`, 'm'))?.[1]);
    expect([konst('BK'), konst('BN'), konst('BM')]).toEqual([WIDE_FILTER_TILE.K, WIDE_FILTER_TILE.C, WIDE_FILTER_TILE.M]);
    expect(KERNELS.conv2d_backward_filter_wide.wg * KERNELS.conv2d_backward_filter_wide.perInvocation).toBe(WIDE_FILTER_TILE.K * WIDE_FILTER_TILE.C);
  });

  it('window tiles: WINDOW_TILE agrees with the WGSL constants TR, TP, TC and TC4 of the window kernels (and narrow1\'s weight gradient)', () => {
    const konst = (name: string, k: string) => Number(source(name).match(new RegExp(`^const ${k}: u32 = (\\d+)u;`, 'm'))?.[1]);
    expect([konst('conv2d_window', 'TR'), konst('conv2d_window', 'TP')]).toEqual([WINDOW_TILE.R, WINDOW_TILE.P]);
    expect([konst('conv2d_window1', 'TR'), konst('conv2d_window1', 'TP')]).toEqual([WINDOW_TILE.R, WINDOW_TILE.P]);
    expect(['TR', 'TP', 'TC'].map((k) => konst('conv2d_transpose_window', k))).toEqual([WINDOW_TILE.R, WINDOW_TILE.P, WINDOW_TILE.C]);
    expect(konst('conv2d_backward_filter_window', 'TR')).toBe(WINDOW_TILE.CI);
    expect(4 * konst('conv2d_backward_filter_window1', 'TC4')!).toBe(WINDOW_TILE.CI);
    expect(4 * konst('conv2d_backward_filter_narrow1', 'TC4')!).toBe(WINDOW_TILE.CI);
  });

  it('winograd: WINOGRAD_TILE agrees with the product passes\' TP, TR and 4 * TC4, and each pass\'s invocations cover its output', () => {
    const konst = (k: string) => Number(source('conv2d_winograd').match(new RegExp(`^const ${k}: u32 = (\\d+)u;`, 'm'))?.[1]);
    expect([konst('TP'), 4 * konst('TC4')]).toEqual([WINOGRAD_TILE.P, WINOGRAD_TILE.C]);
    const t16 = (k: string) => Number(source('conv2d_winograd_t16').match(new RegExp(`^const ${k}: u32 = (\\d+)u;`, 'm'))?.[1]);
    expect([t16('TP'), 4 * t16('TC4')]).toEqual([WINOGRAD_TILE.P16, WINOGRAD_TILE.C]);
    const dwConst = (k: string) => Number(source('conv2d_backward_filter_winograd').match(new RegExp(`^const ${k}: u32 = (\\d+)u;`, 'm'))?.[1]);
    expect([dwConst('TR'), 4 * dwConst('TC4')]).toEqual([WINOGRAD_TILE.R, WINOGRAD_TILE.C]);
    const d = CONV_SHAPES[0];
    const T = 16 * 20 * 20;
    expect(KERNELS.conv2d_winograd.invocations(d) * KERNELS.conv2d_winograd.perInvocation).toBe(16 * T * d.CO);
    expect(KERNELS.conv2d_winograd_input.invocations(d) * KERNELS.conv2d_winograd_input.perInvocation).toBe(16 * T * d.CI);
    expect(KERNELS.conv2d_winograd_output.invocations(d) * KERNELS.conv2d_winograd_output.perInvocation).toBe(d.N * d.OH * d.OW * d.CO);
    expect(KERNELS.conv2d_winograd_weights.invocations(d) * KERNELS.conv2d_winograd_weights.perInvocation).toBe(16 * d.CI * d.CO);
    expect(KERNELS.conv2d_backward_filter_winograd.invocations(d) * KERNELS.conv2d_backward_filter_winograd.perInvocation).toBe(16 * d.CI * d.CO);
    expect(KERNELS.conv2d_backward_filter_winograd_dy.invocations(d) * KERNELS.conv2d_backward_filter_winograd_dy.perInvocation).toBe(16 * T * d.CO);
    expect(KERNELS.conv2d_backward_filter_winograd_output.invocations(d) * KERNELS.conv2d_backward_filter_winograd_output.perInvocation).toBe(9 * d.CI * d.CO);
    // winograd4: 4x4 tiles, 36 points; the product passes at WM = 4 (as src/engine/ops/winograd.ts launches them).
    const T4 = 16 * 10 * 10;
    const d4 = { ...d, WM: 4 };
    expect(KERNELS.conv2d_winograd.invocations(d4) * KERNELS.conv2d_winograd.perInvocation).toBe(36 * T4 * d.CO);
    expect(KERNELS.conv2d_winograd_t16.invocations(d4) * KERNELS.conv2d_winograd_t16.perInvocation).toBe(36 * T4 * d.CO);
    expect(KERNELS.conv2d_winograd4_input.invocations(d) * KERNELS.conv2d_winograd4_input.perInvocation).toBe(36 * T4 * d.CI);
    expect(KERNELS.conv2d_winograd4_output.invocations(d) * KERNELS.conv2d_winograd4_output.perInvocation).toBe(d.N * d.OH * d.OW * d.CO);
    expect(KERNELS.conv2d_winograd4_weights.invocations(d) * KERNELS.conv2d_winograd4_weights.perInvocation).toBe(36 * d.CI * d.CO);
    expect(KERNELS.conv2d_transpose_winograd4.invocations(d) * KERNELS.conv2d_transpose_winograd4.perInvocation).toBe(36 * d.CI * d.CO);
  });

  it('shared tiles: SHARED_TILE agrees with the WGSL constants BM and BN, and a workgroup covers BM x BN outputs', () => {
    for (const [name, t] of Object.entries(SHARED_TILE)) {
      const src = source(name);
      const konst = (k: string) => Number(src.match(new RegExp(`^const ${k}: u32 = (\\d+)u;`, 'm'))?.[1]);
      expect(konst('BM'), name).toBe(t.BM);
      expect(konst('BN'), name).toBe(t.BN);
      expect(KERNELS[name].wg * KERNELS[name].perInvocation, name).toBe(t.BM * t.BN);
    }
  });
});

describe('the split-K weight gradient (filterGradSplit)', () => {
  it('covers every (n, oh) row once with no empty slice, each slice at least 1024 pixels, and splits short sums not at all', () => {
    const geo = (N: number, OH: number, OW: number) => ({ N, H: OH, W: OW, CI: 64, OH, OW, CO: 64, KH: 3, KW: 3, S: 1, PT: 1, PL: 1 });
    for (const [N, OH, OW, inv] of [[16, 40, 40, 576], [8, 64, 64, 36], [64, 128, 128, 9], [1, 7, 7, 576], [3, 21, 48, 9], [2, 16, 16, 70000]]) {
      const g = geo(N, OH, OW);
      const { KS, rowsPer } = filterGradSplit(g, inv);
      const rows = N * OH;
      expect(KS * rowsPer).toBeGreaterThanOrEqual(rows);
      expect((KS - 1) * rowsPer).toBeLessThan(rows);
      if (KS > 1) expect(rowsPer * OW).toBeGreaterThanOrEqual(1024);
      if (rows * OW < 2048 || inv >= 65536) expect(KS).toBe(1);
    }
    expect(filterGradSplit(geo(16, 40, 40), 576).KS).toBeGreaterThan(1); // DnCNN's layers split
  });

  it('window1 (CO = 1) and narrow1 (CI = 1) split in slices of at least 256 pixels: the default preset\'s last layer in 23, not 6', () => {
    const geo = (N: number, OH: number, OW: number, CI: number) => ({ N, H: OH, W: OW, CI, OH, OW, CO: 1, KH: 3, KW: 3, S: 1, PT: 1, PL: 1 });
    for (const [N, OH, OW, CI] of [[4, 40, 40, 32], [16, 40, 40, 64], [2, 20, 23, 12], [1, 9, 12, 4], [128, 40, 40, 64]]) {
      const g = geo(N, OH, OW, CI);
      const { KS, rowsPer } = slidingSplit(g, KERNELS.conv2d_backward_filter_window1.invocations({ ...g }));
      const rows = N * OH;
      expect(KS * rowsPer).toBeGreaterThanOrEqual(rows);
      expect((KS - 1) * rowsPer).toBeLessThan(rows);
      if (KS > 1) expect(rowsPer * OW).toBeGreaterThanOrEqual(256);
    }
    const last = geo(4, 40, 40, 32);
    expect(slidingSplit(last, 12).KS).toBe(23);
    expect(filterGradSplit(last, 12).KS).toBe(6);
    expect(slidingSplit(geo(2, 20, 23, 12), 6).KS).toBe(3); // tests/conv.gpu.test.ts's window1 spec
  });
});
