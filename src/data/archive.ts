/**
 * Image files out of a zip archive (a user's own data set, uploaded in the browser or given to
 * the CLI). Only lists and extracts; decoding is decodeImageBytes' job.
 */
import { strFromU8, unzipSync } from 'fflate';
import { EngineError } from '../engine/errors.ts';
import { describeBytes } from './decode.ts';
import { crc32 } from './png.ts';

/** A zip that cannot be read, is empty, holds no images, or would unpack too large. */
export class ArchiveError extends EngineError {}

export interface ArchiveFile {
  /** Path inside the archive, e.g. "photos/cat.png". */
  name: string;
  bytes: Uint8Array;
}

export interface SkippedEntry {
  name: string;
  reason: string;
}

/** Extensions the image decoder can take (see decodeImageBytes). */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.bmp', '.webp'];

export interface ZipOptions {
  /** Refuse archives whose image files unpack to more than this many bytes (default 2 GiB). */
  maxTotalBytes?: number;
}

/**
 * Unpacks the image files of a zip, sorted by path (so a seeded split does not depend on the
 * order the zip tool stored them). Directories, macOS resource forks (`__MACOSX/`), hidden
 * files and folders (`.DS_Store`, `._x.png`, `.git/...`) and names without an image extension
 * are not unpacked and come back in `skipped` with the reason.
 * `archiveName` is only used in error messages.
 *
 * Throws ArchiveError for bytes that are not a zip (saying what they look like), a corrupt zip,
 * a zip without entries, one with no image files (listing what was skipped), or one too large.
 */
export function listZipImages(bytes: Uint8Array, archiveName = 'archive', options: ZipOptions = {}): { files: ArchiveFile[]; skipped: SkippedEntry[] } {
  const maxTotal = options.maxTotalBytes ?? 2 ** 31;
  const isZip = bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b &&
    ((bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6));
  if (!isZip) throw new ArchiveError(`${archiveName}: not a zip archive: ${describeBytes(bytes)}`);

  const skipped: SkippedEntry[] = [];
  let entries = 0;
  let total = 0;
  let unpacked: Record<string, Uint8Array>;
  try {
    unpacked = unzipSync(bytes, {
      // Decide from the central directory, before decompressing anything.
      filter: (file) => {
        entries++;
        const reason = skipReason(file.name);
        if (reason) {
          skipped.push({ name: file.name, reason });
          return false;
        }
        total += file.originalSize;
        if (total > maxTotal) {
          throw new ArchiveError(`${archiveName}: the images unpack to more than ${maxTotal} bytes; use a smaller archive`);
        }
        return true;
      },
    });
  } catch (e) {
    if (e instanceof ArchiveError) throw e;
    throw new ArchiveError(`${archiveName}: corrupt zip archive (${(e as Error).message})`);
  }
  if (entries === 0) throw new ArchiveError(`${archiveName}: the zip archive is empty`);
  // fflate does not check CRCs; damaged data can inflate "successfully" (or be stored as is)
  // and would only show up later as a broken or, worse, subtly wrong image.
  const crcs = centralDirectoryCrcs(bytes);
  for (const [name, data] of Object.entries(unpacked)) {
    const want = crcs.get(name);
    if (want !== undefined && crc32(data) !== want) {
      throw new ArchiveError(`${archiveName}: corrupt zip archive (CRC mismatch in '${name}': its data is damaged)`);
    }
  }
  const files = Object.entries(unpacked)
    .map(([name, data]) => ({ name, bytes: data }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (files.length === 0) {
    const list = skipped.slice(0, 5).map((s) => `${s.name} (${s.reason})`).join(', ');
    const more = skipped.length > 5 ? ` and ${skipped.length - 5} more` : '';
    throw new ArchiveError(
      `${archiveName}: no image files in the zip (wanted ${IMAGE_EXTENSIONS.join(' ')}); skipped ${list}${more}`);
  }
  return { files, skipped };
}

/**
 * name -> CRC-32 from the zip's central directory, read the way fflate's unzipSync reads it
 * (same name decoding, zip64 end record), so the names match its output. Only called after
 * unzipSync succeeded on the same bytes, so the structure is known to be walkable.
 */
function centralDirectoryCrcs(d: Uint8Array): Map<string, number> {
  const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
  const u32 = (o: number) => (o >= 0 && o + 4 <= d.length ? v.getUint32(o, true) : -1);
  const u16 = (o: number) => (o >= 0 && o + 2 <= d.length ? v.getUint16(o, true) : 0);
  const crcs = new Map<string, number>();
  let e = d.length - 22;
  while (e > 0 && u32(e) !== 0x06054b50) e--;
  let count = u16(e + 8), off = u32(e + 16);
  if (u32(e - 20) === 0x07064b50) { // zip64 locator -> zip64 end of central directory
    const z = u32(e - 12);
    if (u32(z) === 0x06064b50) { count = u32(z + 32); off = u32(z + 48); }
  }
  for (let i = 0; i < count && u32(off) === 0x02014b50; i++) {
    const nameLen = u16(off + 28), extraLen = u16(off + 30), commentLen = u16(off + 32);
    const utf8 = (u16(off + 8) & 0x800) !== 0;
    const name = strFromU8(d.subarray(off + 46, off + 46 + nameLen), !utf8);
    crcs.set(name, u32(off + 16) >>> 0);
    off += 46 + nameLen + extraLen + commentLen;
  }
  return crcs;
}

/** Why an entry is not an image to unpack, or null if it is one. */
function skipReason(path: string): string | null {
  if (path.endsWith('/')) return 'directory';
  const parts = path.split('/');
  if (parts.includes('__MACOSX')) return 'macOS metadata (__MACOSX/)';
  if (parts.some((p) => p.startsWith('.'))) return 'hidden file';
  const base = parts[parts.length - 1];
  const dot = base.lastIndexOf('.');
  const ext = dot > 0 ? base.slice(dot).toLowerCase() : '';
  if (!IMAGE_EXTENSIONS.includes(ext)) return ext ? `not an image extension (${ext})` : 'no file extension';
  return null;
}
