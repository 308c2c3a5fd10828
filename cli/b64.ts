/**
 * Bytes <-> base64 inside the headless pages (cli/page.ts, cli/inferencePage.ts): the form binary
 * data takes across Puppeteer's page boundary. Chunked, since String.fromCharCode takes a bounded
 * argument list.
 */
export function bytesToB64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function b64ToBytes(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
