/**
 * The person's own images: from a file picker, a folder picker (webkitdirectory) or a drop
 * of files, folders (walked with webkitGetAsEntry) and zips (listZipImages). Every file is
 * decoded once up front (the same decoder and reasons as decodeAll) so the page can show how
 * many are usable and why others are skipped.
 */
import { listZipImages } from '../data/archive.ts';
import { DataError, type NamedBytes } from '../data/dataset.ts';
import { decodeImageBytes } from '../data/decode.ts';
import { throwIfAborted } from '../model/evaluate.ts';

export interface PickedFile { path: string; file: File }

export interface OwnImages {
  label: string;
  /** The usable files, sorted by path. */
  files: NamedBytes[];
  skipped: { name: string; reason: string }[];
  gray: number;
  rgb: number;
  minSide: number;
  maxSide: number;
  /** Width and height of each usable file, in `files` order (to check them against the patch size). */
  sizes: [number, number][];
}

const isZip = (bytes: Uint8Array) => bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5);

/** The files of a FileList, named by their path inside a picked folder when there is one. */
export function fromFileList(list: FileList | null): PickedFile[] {
  return Array.from(list ?? [], (file) => ({ path: file.webkitRelativePath || file.name, file }));
}

/** The files of a drop, walking dropped folders recursively. */
export async function fromDrop(dt: DataTransfer): Promise<PickedFile[]> {
  // Entries must be taken synchronously, before the first await (the DataTransfer empties after).
  const entries = Array.from(dt.items).filter((i) => i.kind === 'file').map((i) => i.webkitGetAsEntry());
  const out: PickedFile[] = [];
  for (const entry of entries) if (entry) await walk(entry, out);
  if (!entries.some(Boolean)) for (const file of Array.from(dt.files)) out.push({ path: file.name, file });
  return out;
}

async function walk(entry: FileSystemEntry, out: PickedFile[]): Promise<void> {
  const path = entry.fullPath.replace(/^\//, '');
  if (entry.isFile) {
    const file = await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej));
    out.push({ path, file });
  } else if (entry.isDirectory) {
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    // readEntries returns the listing in chunks (100 in Chrome) until an empty one.
    for (;;) {
      const chunk = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
      if (!chunk.length) break;
      for (const e of chunk) await walk(e, out);
    }
  }
}

/**
 * Reads and unpacks picked files, decodes them to check, and describes the usable images.
 * Throws DataError when nothing usable is left (the caller keeps its previous data).
 */
export async function loadOwnImages(
  picked: PickedFile[], label: string, onProgress?: (done: number, total: number) => void, signal?: AbortSignal,
): Promise<OwnImages> {
  if (!picked.length) throw new DataError(`${label} holds no files: pick PNG, JPEG, BMP or WebP images, a folder of them or a .zip`);
  const files: NamedBytes[] = [];
  const skipped: OwnImages['skipped'] = [];
  for (const { path, file } of picked) {
    throwIfAborted(signal, 'reading your images');
    if (path.split('/').some((p) => p.startsWith('.'))) { skipped.push({ name: path, reason: 'hidden file' }); continue; }
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (/\.zip$/i.test(path) || isZip(bytes)) {
      try {
        const z = listZipImages(bytes, path);
        for (const f of z.files) files.push({ name: `${path}/${f.name}`, bytes: f.bytes });
        for (const s of z.skipped) skipped.push({ name: `${path}/${s.name}`, reason: s.reason });
      } catch (e) {
        skipped.push({ name: path, reason: (e as Error).message.replace(`${path}: `, '') });
      }
    } else {
      files.push({ name: path, bytes });
    }
  }
  if (!files.length) {
    const why = skipped.slice(0, 6).map((s) => `  ${s.name}: ${s.reason}`).join('\n');
    throw new DataError(`no usable images in ${label}${skipped.length ? `:\n${why}` : ''}`);
  }
  files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // Decode one at a time and keep only the facts: a folder of big photos would not fit as floats.
  const usable: NamedBytes[] = [];
  const sizes: [number, number][] = [];
  let gray = 0, minSide = Infinity, maxSide = 0;
  const before = skipped.length;
  for (let i = 0; i < files.length; i++) {
    throwIfAborted(signal, 'reading your images');
    const f = files[i];
    try {
      const im = await decodeImageBytes(f.bytes, f.name);
      usable.push(f);
      sizes.push([im.width, im.height]);
      if (im.channels === 1) gray++;
      minSide = Math.min(minSide, im.width, im.height);
      maxSide = Math.max(maxSide, im.width, im.height);
    } catch (e) {
      skipped.push({ name: f.name, reason: (e as Error).message.replace(`${f.name}: `, '') });
    }
    onProgress?.(i + 1, files.length);
  }
  if (!usable.length) {
    const why = skipped.slice(before, before + 5).concat(skipped.slice(0, Math.min(before, 3)))
      .map((s) => `  ${s.name}: ${s.reason}`).join('\n');
    throw new DataError(`none of the ${files.length} files in ${label} is a usable image:\n${why}`);
  }
  return { label, files: usable, skipped, gray, rgb: usable.length - gray, minSide, maxSide, sizes };
}
