/**
 * `npm run train` given bad input (issue #8, CLI): a missing or corrupt --resume file, a file
 * that is not an image under an image's name. Each gets one line naming the file and what is
 * wrong, exit code 2, and leaves no run folder behind. Checkpoint problems are found before any
 * GPU work; bad images once the session decodes them (on both backends).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parseArgs } from '../cli/args.ts';

const exec = promisify(execFile);
const TINY = ['--epochs', '1', '--steps', '1', '--limit', '4', '--batch', '2', '--patch', '16', '--test-limit', '1'];

async function train(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await exec('node', ['cli/run.mjs', 'cli/train.ts', ...args], { timeout: 300_000 });
    return { code: 0, ...r };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

/** The one error line, after the CPU-adapter warning (if any); no stack, no raw errno. */
function errorLines(stderr: string): string[] {
  expect(stderr).not.toMatch(/^\s+at |ENOENT|EISDIR/m);
  return stderr.split('\n').filter((l) => l.startsWith('error: '));
}

const tmp = mkdtempSync(join(tmpdir(), 'cli-errors-'));
const NAME = 'test-cli-errors';
afterAll(() => { rmSync(tmp, { recursive: true, force: true }); rmSync(`runs/${NAME}`, { recursive: true, force: true }); });

describe('npm run train -- --resume, bad files', () => {
  it('a missing file: one line, the shipped models it could have meant, exit code 2', async () => {
    const r = await train(['--resume', 'missing.safetensors', '--name', NAME]);
    expect(r.code).toBe(2);
    expect(errorLines(r.stderr)).toEqual([
      "error: --resume 'missing.safetensors' does not exist: give a checkpoint file (runs/<name>/checkpoint.safetensors) or a shipped model to fine-tune: dncnn_s15, dncnn_s25, dncnn_s50, dncnn_b_gray_blind, cdncnn_b_color_blind",
    ]);
    const dir = await train(['--resume', 'tests', '--name', NAME]);
    expect(dir.code).toBe(2);
    expect(errorLines(dir.stderr)).toEqual(["error: --resume 'tests' is a folder, not a checkpoint file (a run's is tests/checkpoint.safetensors)"]);
    expect(existsSync(`runs/${NAME}`)).toBe(false);
  });

  it('a corrupt, truncated or mismatched checkpoint is refused before the backend starts or any image is decoded', async () => {
    const random = join(tmp, 'random.safetensors');
    writeFileSync(random, Uint8Array.from({ length: 100 }, (_, i) => (i * 97 + 13) % 256));
    // A real checkpoint (the shipped dncnn_s25 as one), cut in half: the header is whole, the tensors are not.
    const full = readFileSync(parseArgs(['--resume', 'dncnn_s25'])!.resume!);
    const truncated = join(tmp, 'truncated.safetensors');
    writeFileSync(truncated, full.subarray(0, full.length >> 1));
    const dncnn = join(tmp, 'dncnn.safetensors');
    writeFileSync(dncnn, full);
    const cases: [string[], RegExp][] = [
      [['--resume', random], /^error: random\.safetensors is not a safetensors checkpoint: header length \d+ goes beyond the end of the file/],
      [['--resume', truncated], /^error: truncated\.safetensors is not a safetensors checkpoint: tensor '.+': data_offsets .* out of range/],
      [['--resume', dncnn, '--preset', 'small'], /^error: --resume dncnn\.safetensors holds a 'dncnn' gray model and this run trains a 'small' gray one: add --preset dncnn$/],
    ];
    for (const [args, message] of cases) {
      const r = await train([...args, '--name', NAME]);
      expect(r.code, r.stderr).toBe(2);
      const lines = errorLines(r.stderr);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
      expect(r.stdout, 'nothing started').not.toMatch(/WebGPU adapter|decoding training images/);
    }
    expect(existsSync(`runs/${NAME}`)).toBe(false);
  });
});

describe('npm run train -- --data with a file that is not an image', () => {
  it('names the file and why, exit code 2, and leaves no run folder (node and browser backends)', async () => {
    const data = join(tmp, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'x.png'), 'just some text, renamed to .png\n');
    for (const backend of ['node', 'browser']) {
      rmSync(`runs/${NAME}`, { recursive: true, force: true });
      const r = await train([...TINY, '--data', data, '--backend', backend, '--name', NAME]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toMatch(new RegExp(`\\(${backend} backend\\)`));
      expect(errorLines(r.stderr), backend).toEqual(["error: none of the 1 files is a usable image: x.png: not an image: starts with 'just some text, renamed '"]);
      expect(existsSync(`runs/${NAME}`), `${backend}: no run folder for a run that wrote nothing`).toBe(false);
    }
  });
});
