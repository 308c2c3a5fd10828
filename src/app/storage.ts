/**
 * Autosave: the last finished epoch's checkpoint, the settings and the history, kept in
 * IndexedDB so a reload or a lost GPU device resumes from there. A small promise wrapper
 * around one object store; values are structured-cloned (Uint8Array included).
 */
import type { TrainConfig } from '../model/config.ts';
import type { EpochRecord } from '../model/trainer.ts';
import type { NamedBytes } from '../data/dataset.ts';

/** The browser refused to store more (IndexedDB quota): the page says so and carries on. */
export class StorageFullError extends Error {
  constructor(message: string) { super(message); this.name = 'StorageFullError'; }
}

const isQuota = (e: unknown) => e instanceof DOMException && (e.name === 'QuotaExceededError' || /quota/i.test(e.message));
const quotaMessage = 'the browser\'s storage for this page is full (IndexedDB quota exceeded)';

const DB_NAME = 'webgpu-denoise';
const STORE = 'autosave';
const VERSION = 1;

/** Where the training images came from, enough to load them again. */
export type SavedData =
  | { kind: 'builtin'; limit: number }
  /** The person's own files are stored under the 'files' key (once per session). */
  | { kind: 'own'; label: string; count: number; limit: number };

export interface TestSettings {
  set: 'set12' | 'bsd68' | 'cbsd68' | 'none';
  limit: number;
  /** Gaussian sigmas; empty: the training noise. */
  sigmas: number[];
  keep: number;
}

export interface Autosave {
  savedAt: string;
  /** Epochs finished. */
  epoch: number;
  config: TrainConfig;
  history: EpochRecord[];
  /** Training loss per step, as [fractional epoch, loss]. */
  steps: [number, number][];
  /** How the run ended ('running' while it goes on; older autosaves have none). */
  status?: 'running' | 'done' | 'stopped' | 'failed';
  /** Steps into the next epoch that the checkpoint holds (a stopped run). */
  stepInEpoch?: number;
  checkpoint: Uint8Array;
  data: SavedData;
  test: TestSettings;
}

let dbPromise: Promise<IDBDatabase> | null = null;

function open(): Promise<IDBDatabase> {
  if (!dbPromise) {
    dbPromise = new Promise<IDBDatabase>((resolve, reject) => {
      if (typeof indexedDB === 'undefined') { reject(new Error('IndexedDB is not available in this browser (private mode?): no autosave')); return; }
      const req = indexedDB.open(DB_NAME, VERSION);
      req.onupgradeneeded = () => { req.result.createObjectStore(STORE); };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(new Error(`cannot open IndexedDB: ${req.error?.message ?? 'unknown error'}`));
      req.onblocked = () => reject(new Error('IndexedDB is blocked by another tab of this page; close it and reload'));
    });
    dbPromise.catch(() => { dbPromise = null; });
  }
  return dbPromise;
}

/** Runs one request in its own transaction and resolves with its result once committed. */
async function request<T>(mode: IDBTransactionMode, make: (s: IDBObjectStore) => IDBRequest): Promise<T> {
  const db = await open();
  return new Promise<T>((resolve, reject) => {
    const fail = (e: DOMException | null, what: string) => reject(isQuota(e) ? new StorageFullError(quotaMessage) : new Error(`IndexedDB ${mode}${what}: ${e?.message ?? 'failed'}`));
    let tx: IDBTransaction;
    let req: IDBRequest;
    try {
      tx = db.transaction(STORE, mode);
      req = make(tx.objectStore(STORE));
    } catch (e) {
      // put() throws at once when the value cannot be stored (quota, a value that cannot be cloned).
      fail(e as DOMException, '');
      return;
    }
    tx.oncomplete = () => resolve(req.result as T);
    tx.onerror = () => fail(tx.error ?? req.error, '');
    tx.onabort = () => fail(tx.error, ' aborted');
  });
}

export const idbGet = <T>(key: string) => request<T | undefined>('readonly', (s) => s.get(key));
export const idbPut = (key: string, value: unknown) => request<IDBValidKey>('readwrite', (s) => s.put(value, key));
export const idbDelete = (key: string) => request<undefined>('readwrite', (s) => s.delete(key));

export const loadAutosave = () => idbGet<Autosave>('session');
export const saveAutosave = (a: Autosave) => idbPut('session', a);
export const loadSavedFiles = () => idbGet<NamedBytes[]>('files');
export const saveFiles = (files: NamedBytes[]) => idbPut('files', files);

export async function clearAutosave(): Promise<void> {
  await idbDelete('session');
  await idbDelete('files');
}
