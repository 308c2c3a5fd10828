/**
 * `npm run train`'s defaults and the learning-rate schedule the options make (cli/args.ts). The
 * default `small` run drops the rate tenfold for its last epoch; other --epochs keep that shape,
 * and --lr-decay or another preset's schedule is taken as given. --tune, shared with npm run denoise.
 */
import { describe, expect, it } from 'vitest';
import { UsageError, parseArgs, parseTuneMode } from '../cli/args.ts';
import { parseDenoiseArgs } from '../cli/denoiseArgs.ts';
import { fmtTime } from '../cli/report.ts';
import { decayForEpochs, lastEpochDecay } from '../src/model/config.ts';

const config = (argv: string[]) => parseArgs(argv)!.config;

describe('train arguments: the learning-rate schedule', () => {
  it('no arguments: small, batch 4, 14 epochs, the last at a tenth of the rate', () => {
    const c = config([]);
    expect([c.preset, c.batchSize, c.epochs, c.lr]).toEqual(['small', 4, 14, 1e-3]);
    expect(c.lrDecay).toEqual({ every: 13, factor: 0.1 });
  });

  it('--epochs moves the decay to the new last epoch (once, not every 5 epochs)', () => {
    expect(config(['--epochs', '30']).lrDecay).toEqual({ every: 29, factor: 0.1 });
    expect(config(['--epochs', '2']).lrDecay).toEqual({ every: 1, factor: 0.1 });
    expect(config(['--epochs', '1']).lrDecay).toBeNull();
  });

  it('--lr-decay wins over the default, with or without --epochs', () => {
    expect(config(['--epochs', '30', '--lr-decay', '10:0.5']).lrDecay).toEqual({ every: 10, factor: 0.5 });
    expect(config(['--lr-decay', '3:0.3']).lrDecay).toEqual({ every: 3, factor: 0.3 });
  });

  it("other presets keep their own schedule at any --epochs", () => {
    expect(config(['--preset', 'dncnn', '--epochs', '50']).lrDecay).toEqual({ every: 30, factor: 0.1 });
    expect(config(['--preset', 'seed', '--epochs', '20']).lrDecay).toBeNull();
  });

  it('lastEpochDecay and decayForEpochs (the CLI and the page both move a decay with it)', () => {
    expect(lastEpochDecay(7)).toEqual({ every: 6, factor: 0.1 });
    expect(lastEpochDecay(1)).toBeNull();
    expect(decayForEpochs({ every: 5, factor: 0.1 }, 6, 12)).toEqual({ every: 11, factor: 0.1 });
    expect(decayForEpochs({ every: 5, factor: 0.5 }, 6, 12)).toEqual({ every: 5, factor: 0.5 });
    expect(decayForEpochs({ every: 4, factor: 0.1 }, 6, 12)).toEqual({ every: 4, factor: 0.1 });
    expect(decayForEpochs(null, 1, 12)).toBeNull();
  });
});

describe('--tune (npm run train and npm run denoise)', () => {
  it('on by default; on, off and again taken; anything else refused', () => {
    expect(parseDenoiseArgs(['a.png'])!.tune).toBe('on');
    for (const mode of ['on', 'off', 'again'] as const) expect(parseDenoiseArgs(['a.png', '--tune', mode])!.tune).toBe(mode);
    expect(() => parseDenoiseArgs(['a.png', '--tune', 'maybe'])).toThrow("--tune must be on, off or again, got 'maybe'");
    expect(() => parseTuneMode('yes')).toThrow(UsageError);
    expect(parseTuneMode(undefined)).toBe('on');
  });
});


describe("the progress line's times (cli/report.ts fmtTime)", () => {
  it('rounds to whole seconds before splitting minutes and hours: never 1m60s', () => {
    expect([fmtTime(0.4), fmtTime(42), fmtTime(59.6), fmtTime(119.6), fmtTime(367), fmtTime(3599.7), fmtTime(3720)]).toEqual(['0s', '42s', '1m00s', '2m00s', '6m07s', '1h00m', '1h02m']);
    expect(fmtTime(Infinity)).toBe('?');
  });
});
