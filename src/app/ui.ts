/**
 * Small DOM helpers for the training page: element lookup, the error area, the log, number
 * formatting and downloads.
 */

/** The element with this id; throws naming it when index.html lacks it (a typo, not a user error). */
export function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`index.html has no element #${id}`);
  return el as T;
}

export const input = (id: string) => $<HTMLInputElement>(id);
export const select = (id: string) => $<HTMLSelectElement>(id);
export const button = (id: string) => $<HTMLButtonElement>(id);

export function setText(id: string, text: string): void {
  $(id).textContent = text;
}

/** Creates an element with text content and optional class. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, text = '', className = ''): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text) e.textContent = text;
  if (className) e.className = className;
  return e;
}

/** Shows a message in the page's error area (kept until dismissed or replaced) and logs it. */
export function showError(e: unknown, context = ''): void {
  const msg = e instanceof Error ? e.message : String(e);
  const text = context ? `${context}: ${msg}` : msg;
  $('error-text').textContent = text;
  $('error-area').hidden = false;
  log(`error: ${text}`);
  console.warn(text);
}

export function clearError(): void {
  $('error-area').hidden = true;
  $('error-text').textContent = '';
}

const logLines: string[] = [];

export function log(message: string): void {
  const t = new Date().toLocaleTimeString();
  logLines.push(`${t}  ${message}`);
  if (logLines.length > 2000) logLines.splice(0, logLines.length - 2000);
  const pre = $('log');
  pre.textContent = logLines.join('\n');
  pre.scrollTop = pre.scrollHeight;
}

export function fmtSeconds(s: number): string {
  if (!Number.isFinite(s)) return '—';
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

/** A loss or metric: 4 significant digits, exponent form when tiny. */
export function fmtNum(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? '—' : String(v);
  if (v !== 0 && Math.abs(v) < 1e-3) return v.toExponential(digits - 1);
  return v.toPrecision(digits);
}

export function fmtCount(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : String(n);
}

/** Offers bytes (or a blob) as a file download. */
export function download(name: string, data: Uint8Array | Blob | string, mime = 'application/octet-stream'): void {
  const blob = data instanceof Blob ? data : new Blob([data as BlobPart], { type: mime });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.dataset.size = String(blob.size);
  document.body.append(a);
  a.click();
  a.remove();
  // Revoking right away can cancel the download in some browsers; a minute is plenty.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  log(`download ${name} (${fmtCount(blob.size)}B)`);
}

/** Lets the browser paint (a long run of awaits on resolved promises would not). */
export const nextFrame = () => new Promise<void>((r) => setTimeout(r, 0));
