/**
 * The loss picture (src/app/plot.ts) that the CLI writes as loss.png and the page offers as a
 * download: nice, distinct tick labels on log and linear axes, and a one-epoch run drawn as its
 * training steps plus the validation point, not two dots. Drawn in Node on src/node/canvas.ts;
 * leaves test-artifacts/loss-one-epoch.png to look at.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { installCanvas } from '../src/node/canvas.ts';
import { linearTicks, logTicks, plotPng, tickLabels } from '../src/app/plot.ts';
import { alignLoss, smooth } from '../src/app/chart.ts';

describe('loss plot axes', () => {
  it('log ticks are 1-2-5 or decades with distinct labels, never "0.3 0.3"', () => {
    const cases: [number, number][] = [[0.0083, 0.0101], [0.0024, 0.0097], [1e-4, 0.3], [0.25, 0.35], [1.2e-3, 1.3e-3], [2e-6, 5]];
    for (const [lo, hi] of cases) {
      const t = logTicks(lo, hi);
      const labels = tickLabels(t);
      expect(t.length, `[${lo}, ${hi}]: ${labels}`).toBeGreaterThanOrEqual(2);
      expect(t.length).toBeLessThanOrEqual(9);
      expect(new Set(labels).size).toBe(labels.length);
      for (const v of t) { expect(v).toBeGreaterThanOrEqual(lo * (1 - 1e-9)); expect(v).toBeLessThanOrEqual(hi * (1 + 1e-9)); }
    }
    expect(tickLabels(logTicks(0.0024, 0.0097))).toEqual(['0.003', '0.004', '0.005', '0.006', '0.007', '0.008', '0.009']);
    // uPlot hands the ticks it filters out of a crowded log axis as null: no label, no throw.
    expect(tickLabels([0.002, null, 0.004, null, 0.006])).toEqual(['0.002', '', '0.004', '', '0.006']);
  });

  it('linear ticks are round numbers', () => {
    expect(linearTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(linearTicks(0.3, 6.2, 5)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(tickLabels(linearTicks(0, 2, 4))).toEqual(['0', '0.5', '1', '1.5', '2']);
  });
});

describe('loss.png of a one-epoch run', () => {
  it('draws every training step and the validation point', async () => {
    installCanvas();
    const steps: [number, number][] = Array.from({ length: 25 }, (_, i) => [(i + 1) / 25, 0.01 * Math.exp(-i / 10) + 0.002 + 0.0004 * Math.sin(i)]);
    const png = await plotPng(720, 360, [
      { label: 'training loss (per step)', color: '#1f77b4', points: steps },
      { label: 'validation loss (per epoch)', color: '#d62728', points: [[1, 0.0031]], marker: true },
    ], { title: 'MSE loss (small)', xLabel: 'epoch' });
    mkdirSync('test-artifacts', { recursive: true });
    writeFileSync('test-artifacts/loss-one-epoch.png', png);
    const img = PNG.sync.read(Buffer.from(png));
    let blue = 0, red = 0;
    for (let i = 0; i < img.data.length; i += 4) {
      const [r, g, b] = [img.data[i], img.data[i + 1], img.data[i + 2]];
      if (r === 0x1f && g === 0x77 && b === 0xb4) blue++;
      if (r === 0xd6 && g === 0x27 && b === 0x28) red++;
    }
    // A line through 25 steps across the plot, not a dot; the validation marker is a 7x7 square.
    expect(blue).toBeGreaterThan(600);
    expect(red).toBeGreaterThanOrEqual(49);
  });
});

describe('the live chart\'s data (uPlot, aligned on one x axis)', () => {
  it('merges steps and epochs; each series is null where it has no value; log drops non-positive', () => {
    const [x, raw, sm, val] = alignLoss([[0.5, 0.02], [1, 0.01], [1.5, -1], [2, 0.005]], [[1, 0.012], [2, 0.006]], true);
    expect(x).toEqual([0.5, 1, 2]);
    expect(raw).toEqual([0.02, 0.01, 0.005]);
    expect(val).toEqual([null, 0.012, 0.006]);
    expect(sm[0]).toBeCloseTo(0.02, 12); // bias-corrected: the first value itself
    expect(smooth([1, 1, 1])).toEqual([1, 1, 1].map(() => expect.closeTo(1, 12)));
  });

  it('a long run keeps at most 5000 steps, the last one included, smoothed over all of them', () => {
    const steps: [number, number][] = Array.from({ length: 123_457 }, (_, i) => [i / 1000, 1 / (i + 1)]);
    const [x, raw, sm] = alignLoss(steps, [], true);
    expect(x.length).toBeLessThanOrEqual(5000);
    expect(x.at(-1)).toBe(steps.at(-1)![0]);
    expect(raw.at(-1)).toBe(steps.at(-1)![1]);
    expect(sm.at(-1)).toBeCloseTo(smooth(steps.map((p) => p[1])).at(-1)!, 12);
  });
});
