import { readFileSync } from 'node:fs';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { ArchiveError, listZipImages } from '../src/data/archive.ts';
import { decodeImageBytes } from '../src/data/decode.ts';

const png1 = new Uint8Array(readFileSync('data/set12/01.png'));
const png2 = new Uint8Array(readFileSync('data/cbsd68/101085.png'));
const text = (s: string) => new TextEncoder().encode(s);

function archiveError(bytes: Uint8Array, name = 'data.zip'): Error {
  try {
    listZipImages(bytes, name);
  } catch (e) {
    expect(e).toBeInstanceOf(ArchiveError);
    return e as Error;
  }
  throw new Error('expected listZipImages to throw');
}

describe('listZipImages', () => {
  const zip = zipSync({
    'set/b.PNG': png2,
    'set/a.png': [png1, { level: 0 }], // stored, not deflated
    'set/': new Uint8Array(0),
    'set/notes.txt': text('hello'),
    'set/Makefile': text('all:'),
    '.DS_Store': text('x'),
    'set/._a.png': text('resource fork'),
    '__MACOSX/set/._b.PNG': text('resource fork'),
    '.git/x.png': png1,
    'z.jpeg': text('pretend'),
  });

  it('returns the images sorted by path, with their bytes intact', async () => {
    const { files } = listZipImages(zip, 'data.zip');
    expect(files.map((f) => f.name)).toEqual(['set/a.png', 'set/b.PNG', 'z.jpeg']);
    // Buffer.equals: vitest's toEqual walks big typed arrays slowly.
    expect(Buffer.from(files[0].bytes).equals(png1)).toBe(true);
    expect(Buffer.from(files[1].bytes).equals(png2)).toBe(true);
    const img = await decodeImageBytes(files[1].bytes, files[1].name);
    expect(img.channels).toBe(3);
  });

  it('reports every skipped entry with its reason', () => {
    const { skipped } = listZipImages(zip);
    const reasons = Object.fromEntries(skipped.map((s) => [s.name, s.reason]));
    expect(reasons).toEqual({
      'set/': 'directory',
      'set/notes.txt': 'not an image extension (.txt)',
      'set/Makefile': 'no file extension',
      '.DS_Store': 'hidden file',
      'set/._a.png': 'hidden file',
      '__MACOSX/set/._b.PNG': 'macOS metadata (__MACOSX/)',
      '.git/x.png': 'hidden file',
    });
  });

  it('rejects an empty zip', () => {
    expect(archiveError(zipSync({})).message).toBe('data.zip: the zip archive is empty');
  });

  it('rejects a zip with no images and says what it skipped', () => {
    const e = archiveError(zipSync({ 'readme.md': text('#'), 'docs/': new Uint8Array(0) }));
    expect(e.message).toMatch(/^data\.zip: no image files in the zip \(wanted \.png \.jpg \.jpeg \.bmp \.webp\); skipped /);
    expect(e.message).toContain('readme.md (not an image extension (.md))');
    expect(e.message).toContain('docs/ (directory)');
  });

  it('rejects bytes that are not a zip, saying what they look like', () => {
    expect(archiveError(png1, 'photos.zip').message).toMatch(/^photos\.zip: not a zip archive: starts with bytes 89 50 4e 47/);
    expect(archiveError(text('<html>oops</html>')).message).toMatch(/not a zip archive: an HTML page/);
    expect(archiveError(new Uint8Array(0)).message).toMatch(/not a zip archive: an empty file/);
  });

  it('rejects a corrupt or truncated zip', () => {
    const truncated = zip.subarray(0, Math.floor(zip.length / 2)); // central directory gone
    expect(archiveError(truncated).message).toMatch(/^data\.zip: corrupt zip archive \(.+\)/);
    const garbled = zipSync({ 'a.png': png1 }, { level: 6 }).slice();
    garbled.fill(0xaa, 60, 400); // inside the deflate stream
    expect(archiveError(garbled).message).toMatch(/^data\.zip: corrupt zip archive \(.+\)/);
  });

  it('catches damaged data by its CRC even where decompression succeeds', () => {
    const stored = zipSync({ 'dir/a.png': [png1, { level: 0 }], 'b.png': [png2, { level: 0 }] }).slice();
    const at = Buffer.from(stored).indexOf(Buffer.from(png1)) + 5000;
    stored[at] ^= 0x01; // one bit of the stored (uncompressed) file
    expect(archiveError(stored).message).toBe("data.zip: corrupt zip archive (CRC mismatch in 'dir/a.png': its data is damaged)");
  });

  it('refuses archives that unpack beyond the size limit', () => {
    expect(() => listZipImages(zip, 'big.zip', { maxTotalBytes: 1000 })).toThrow(/big\.zip: the images unpack to more than 1000 bytes/);
  });
});
