/**
 * A small software OffscreenCanvas for Node, enough for the CLI's PNGs (src/app/plot.ts' loss
 * plot, src/app/grid.ts' noisy | denoised | clean grid) to be drawn by the same code as in the
 * browser: solid fills, 1-2 px lines, putImageData, a scaled drawImage and bitmap text
 * (font.ts). No anti-aliasing, paths other than polylines, transforms or alpha blending:
 * anything else throws, naming what is missing, rather than drawing something wrong.
 *
 * installCanvas() defines OffscreenCanvas and ImageData globally when the platform has none.
 */
import { encodePng } from '../data/png.ts';
import { FONT, glyph } from './font.ts';

type Rgba = [number, number, number, number];

/** CSS colours as the drawing code writes them: #rgb, #rrggbb, rgb(r, g, b) and a few names. */
export function parseColor(css: string): Rgba {
  const s = css.trim().toLowerCase();
  const names: Record<string, string> = { white: '#fff', black: '#000', red: '#f00', green: '#008000', blue: '#00f', gray: '#808080', grey: '#808080' };
  const hex = names[s] ?? s;
  let m = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/.exec(hex);
  if (m) return [parseInt(m[1] + m[1], 16), parseInt(m[2] + m[2], 16), parseInt(m[3] + m[3], 16), 255];
  m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/.exec(hex);
  if (m) return [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16), 255];
  m = /^rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*(?:,\s*[\d.]+\s*)?\)$/.exec(s);
  if (m) return [+m[1], +m[2], +m[3], 255];
  throw new Error(`Node canvas: unsupported colour '${css}' (use #rgb, #rrggbb or rgb())`);
}

/** ImageData for Node: RGBA8 pixels, row-major. */
export class NodeImageData {
  readonly data: Uint8ClampedArray;
  constructor(dataOrWidth: Uint8ClampedArray | number, width: number, height?: number) {
    if (typeof dataOrWidth === 'number') {
      this.data = new Uint8ClampedArray(4 * dataOrWidth * width);
      this.width = dataOrWidth;
      this.height = width;
    } else {
      this.data = dataOrWidth;
      this.width = width;
      this.height = height ?? dataOrWidth.length / 4 / width;
    }
    if (this.data.length !== 4 * this.width * this.height) throw new RangeError(`ImageData: ${this.data.length} bytes for ${this.width}x${this.height}`);
  }
  readonly width: number;
  readonly height: number;
}

/** The 2D context: draws straight into the canvas' RGBA8 pixels. */
export class NodeContext2D {
  fillStyle = '#000';
  strokeStyle = '#000';
  lineWidth = 1;
  font = '10px sans-serif';
  imageSmoothingEnabled = true;
  private path: [number, number][][] = [];

  constructor(readonly canvas: NodeOffscreenCanvas) {}

  fillRect(x: number, y: number, w: number, h: number): void {
    this.fill(Math.round(x), Math.round(y), Math.round(x + w), Math.round(y + h), parseColor(this.fillStyle));
  }

  /** A rectangle's outline, lineWidth thick, centred on its edges as in a browser. */
  strokeRect(x: number, y: number, w: number, h: number): void {
    this.beginPath();
    this.moveTo(x, y);
    this.lineTo(x + w, y);
    this.lineTo(x + w, y + h);
    this.lineTo(x, y + h);
    this.lineTo(x, y);
    this.stroke();
    this.beginPath();
  }

  beginPath(): void { this.path = []; }
  moveTo(x: number, y: number): void { this.path.push([[x, y]]); }
  lineTo(x: number, y: number): void {
    if (!this.path.length) this.path.push([]);
    this.path[this.path.length - 1].push([x, y]);
  }

  /** Strokes the polylines: a lineWidth square stamped every half pixel along each segment. */
  stroke(): void {
    const c = parseColor(this.strokeStyle);
    const half = this.lineWidth / 2;
    const stamp = (x: number, y: number) => this.fill(Math.round(x - half), Math.round(y - half), Math.round(x + half), Math.round(y + half), c);
    for (const line of this.path) {
      for (let i = 1; i < line.length; i++) {
        const [x0, y0] = line[i - 1], [x1, y1] = line[i];
        const n = Math.max(1, Math.ceil(2 * Math.hypot(x1 - x0, y1 - y0)));
        for (let k = 0; k <= n; k++) stamp(x0 + ((x1 - x0) * k) / n, y0 + ((y1 - y0) * k) / n);
      }
    }
  }

  /** Text in the bitmap font, left-aligned on the alphabetic baseline at y; scaled for fonts of 18px and up. */
  fillText(text: string, x: number, y: number): void {
    const c = parseColor(this.fillStyle);
    const px = Number(/(\d+(?:\.\d+)?)px/.exec(this.font)?.[1] ?? 10);
    const s = Math.max(1, Math.round(px / 14));
    let left = Math.round(x);
    const top = Math.round(y) - FONT.ascent * s;
    for (const ch of text) {
      const rows = glyph(ch);
      for (let r = 0; r < rows.length; r++) {
        for (let col = 0; col < FONT.width; col++) {
          if (rows[r] & (1 << (FONT.width - 1 - col))) this.fill(left + col * s, top + r * s, left + (col + 1) * s, top + (r + 1) * s, c);
        }
      }
      left += FONT.advance * s;
    }
  }

  measureText(text: string): { width: number } {
    const px = Number(/(\d+(?:\.\d+)?)px/.exec(this.font)?.[1] ?? 10);
    return { width: [...text].length * FONT.advance * Math.max(1, Math.round(px / 14)) };
  }

  putImageData(img: NodeImageData, dx: number, dy: number): void {
    const { width: W, height: H, data } = this.canvas;
    for (let y = 0; y < img.height; y++) {
      const ty = dy + y;
      if (ty < 0 || ty >= H) continue;
      for (let x = 0; x < img.width; x++) {
        const tx = dx + x;
        if (tx < 0 || tx >= W) continue;
        data.set(img.data.subarray(4 * (y * img.width + x), 4 * (y * img.width + x) + 4), 4 * (ty * W + tx));
      }
    }
  }

  getImageData(sx: number, sy: number, sw: number, sh: number): NodeImageData {
    const out = new NodeImageData(sw, sh);
    const { width: W, height: H, data } = this.canvas;
    for (let y = 0; y < sh; y++) {
      for (let x = 0; x < sw; x++) {
        const tx = sx + x, ty = sy + y;
        if (tx >= 0 && tx < W && ty >= 0 && ty < H) out.data.set(data.subarray(4 * (ty * W + tx), 4 * (ty * W + tx) + 4), 4 * (y * sw + x));
      }
    }
    return out;
  }

  /**
   * Draws another canvas scaled to dw x dh at (dx, dy): each target pixel averages the source
   * pixels it covers when smoothing is on and the image shrinks, else takes the nearest one.
   */
  drawImage(src: NodeOffscreenCanvas, dx: number, dy: number, dw = src.width, dh = src.height): void {
    if (!(src instanceof NodeOffscreenCanvas)) throw new Error('Node canvas: drawImage takes another Node OffscreenCanvas');
    dx = Math.round(dx); dy = Math.round(dy); dw = Math.round(dw); dh = Math.round(dh);
    const { width: W, height: H, data } = this.canvas;
    const sx = src.width / dw, sy = src.height / dh;
    const average = this.imageSmoothingEnabled && (sx > 1 || sy > 1);
    for (let y = 0; y < dh; y++) {
      const ty = dy + y;
      if (ty < 0 || ty >= H) continue;
      const y0 = Math.floor(y * sy), y1 = average ? Math.max(y0 + 1, Math.floor((y + 1) * sy)) : y0 + 1;
      for (let x = 0; x < dw; x++) {
        const tx = dx + x;
        if (tx < 0 || tx >= W) continue;
        const x0 = Math.floor(x * sx), x1 = average ? Math.max(x0 + 1, Math.floor((x + 1) * sx)) : x0 + 1;
        const acc = [0, 0, 0, 0];
        for (let v = y0; v < y1; v++) {
          for (let u = x0; u < x1; u++) for (let k = 0; k < 4; k++) acc[k] += src.data[4 * (v * src.width + u) + k];
        }
        const n = (y1 - y0) * (x1 - x0);
        for (let k = 0; k < 4; k++) data[4 * (ty * W + tx) + k] = Math.round(acc[k] / n);
      }
    }
  }

  /** Fills the pixel rectangle [x0, x1) x [y0, y1), clipped to the canvas. */
  private fill(x0: number, y0: number, x1: number, y1: number, c: Rgba): void {
    const { width: W, height: H, data } = this.canvas;
    for (let y = Math.max(0, y0); y < Math.min(H, y1); y++) {
      for (let x = Math.max(0, x0); x < Math.min(W, x1); x++) data.set(c, 4 * (y * W + x));
    }
  }
}

/** OffscreenCanvas for Node: RGBA8 pixels (transparent black at first) and a 2D context. */
export class NodeOffscreenCanvas {
  readonly data: Uint8ClampedArray;
  private ctx: NodeContext2D | null = null;
  constructor(readonly width: number, readonly height: number) {
    this.data = new Uint8ClampedArray(4 * width * height);
  }

  getContext(kind: string): NodeContext2D | null {
    if (kind !== '2d') return null;
    return (this.ctx ??= new NodeContext2D(this));
  }

  /** The pixels as a PNG (RGB; alpha dropped: every picture drawn here starts with an opaque fill). */
  async convertToBlob(o: { type?: string } = {}): Promise<Blob> {
    if (o.type && o.type !== 'image/png') throw new Error(`Node canvas: only image/png, not ${o.type}`);
    const n = this.width * this.height;
    const rgb = new Float32Array(3 * n);
    for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) rgb[3 * i + c] = this.data[4 * i + c] / 255;
    const png = encodePng({ width: this.width, height: this.height, channels: 3, data: rgb });
    return new Blob([png as Uint8Array<ArrayBuffer>], { type: 'image/png' });
  }
}

/** Defines OffscreenCanvas and ImageData globally where they are missing (Node). */
export function installCanvas(): void {
  const g = globalThis as Record<string, unknown>;
  if (typeof g.OffscreenCanvas !== 'function') g.OffscreenCanvas = NodeOffscreenCanvas;
  if (typeof g.ImageData !== 'function') g.ImageData = NodeImageData;
}
