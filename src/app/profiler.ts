/**
 * The training page's Profiler panel: "Profile one step" times one training step of the selected
 * preset and settings (src/model/profile.ts) and draws it: a horizontal stacked bar per layer
 * (forward and backward segments) plus the data, loss and optimizer rows, each labelled in ms,
 * then a table by kernel whose names link to the kernel lab (lab.html?kernel=<name>).
 *
 * While a profile runs, every dispatch on the device is timed, so the page keeps other GPU work
 * (training, photos) off until it ends: main.ts asks isProfiling() when it enables buttons.
 */
import type { Runtime } from '../engine/index.ts';
import type { TrainConfig } from '../model/config.ts';
import { type Phase, PHASES, type StepProfile, fmtMs, formatProfile, perSecondG, profileStep } from '../model/profile.ts';
import { $, button, download, el, log, setText, showError } from './ui.ts';

/** What the panel needs from the page. */
export interface ProfilerHost {
  /** The engine, or null while WebGPU is not ready. */
  runtime(): Runtime | null;
  /** The selected settings, or null while they are invalid. */
  config(): TrainConfig | null;
  /** True while training runs (profiling is off then). */
  training(): boolean;
  /** Called when profiling starts or ends, so the page can update its buttons. */
  onChange(): void;
}

/** Segment colours by phase (also the legend). */
const COLOURS: Record<Phase, string> = { data: '#8c8c8c', forward: '#1f77b4', loss: '#ff7f0e', backward: '#d62728', optimizer: '#2ca02c' };
const SVG = 'http://www.w3.org/2000/svg';

let host: ProfilerHost | null = null;
let running = false;
let last: StepProfile | null = null;

/** True while a profile is being taken. */
export function isProfiling(): boolean { return running; }

export function setupProfiler(h: ProfilerHost): void {
  host = h;
  button('profile-step').addEventListener('click', () => { void profileNow(); });
  button('profile-download').addEventListener('click', () => {
    if (last) download(`profile-${last.preset}-b${last.batch}-${last.size}.txt`, formatProfile(last), 'text/plain');
  });
  let resizeTimer = 0;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(() => { if (last) renderChart(last); }, 150);
  });
  updateProfiler();
}

/** Enables the button when profiling can run, saying why not otherwise. */
export function updateProfiler(): void {
  if (!host) return;
  const rt = host.runtime();
  const why = !rt ? 'needs WebGPU'
    : !rt.ctx.hasTimestamps ? "this GPU adapter lacks the 'timestamp-query' feature, so dispatches cannot be timed here"
    : host.training() ? 'available when training is not running'
    : running ? 'profiling…'
    : !host.config() ? 'fix the settings first'
    : '';
  const b = button('profile-step');
  b.disabled = why !== '';
  b.title = why;
  button('profile-download').disabled = !last || running;
  const note = $('profile-unavailable');
  note.hidden = !(rt && !rt.ctx.hasTimestamps);
  if (!note.hidden) note.textContent = `Profiling is not available: ${why}.`;
}

async function profileNow(): Promise<void> {
  const config = host?.config();
  if (!host || running || !config || host.training()) return;
  running = true;
  host.onChange();
  updateProfiler();
  const size = config.preset === 'seed' ? config.imageSize : config.patchSize;
  setText('profile-status', `Profiling one step of ${config.preset} (batch ${config.batchSize}, ${size}×${size}): a warm-up step, then the timed one…`);
  try {
    const p = await profileStep(config);
    last = p;
    render(p);
    log(`profiled one step of ${p.preset}: ${p.dispatches.length} dispatches, ${fmtMs(p.totalMs)} ms of GPU time`);
  } catch (e) {
    setText('profile-status', 'The profile failed (see the error above).');
    showError(e, 'profiling failed');
  } finally {
    running = false;
    host.onChange();
    updateProfiler();
  }
}

/** The summary line, the chart and the kernel table. */
function render(p: StepProfile): void {
  const phases = PHASES.map((ph) => `${ph} ${fmtMs(p.byPhase[ph].ms)}`).join(' · ');
  setText('profile-status', `${p.preset}, ${p.channels === 1 ? 'gray' : 'RGB'}, batch ${p.batch}, ${p.size}×${p.size} on ${p.adapter}: ` +
    `${p.dispatches.length} dispatches, ${fmtMs(p.totalMs)} ms of GPU time (${phases} ms), ${perSecondG(p.totalFlop, p.totalMs)} GFLOP/s; ` +
    `the profiled step took ${fmtMs(p.wallMs)} ms wall-clock.`);
  $('profile-results').hidden = false;
  renderChart(p);
  renderKernels(p);
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text = ''): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text) e.textContent = text;
  return e;
}

/** One row per layer (and data, loss, optimizer): segments per phase, scaled to the slowest row. */
function renderChart(p: StepProfile): void {
  const box = $('profile-chart');
  const width = Math.max(360, box.clientWidth || 720);
  const labelW = 130;
  const valueW = 80;
  const rowH = 18;
  const gap = 4;
  const top = 24;
  const barW = width - labelW - valueW;
  const max = Math.max(...p.byLayer.map((l) => l.ms), 1e-9);
  const height = top + p.byLayer.length * (rowH + gap);
  const root = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'GPU time per layer and phase', 'font-size': 12, 'font-family': 'sans-serif' });

  // Legend: the phases in step order.
  let x = labelW;
  for (const ph of PHASES) {
    root.append(svg('rect', { x, y: 4, width: 10, height: 10, fill: COLOURS[ph] }), svg('text', { x: x + 14, y: 13, fill: '#444' }, ph));
    x += 24 + ph.length * 7;
  }

  p.byLayer.forEach((l, i) => {
    const y = top + i * (rowH + gap);
    const row = svg('g', { 'data-layer': l.layer });
    const kernels = l.kernels.map((k) => `  ${k.kernel}${k.dispatches > 1 ? ` ×${k.dispatches}` : ''}: ${fmtMs(k.ms)} ms`).join('\n');
    const parts = PHASES.filter((ph) => l.phases[ph] > 0).map((ph) => `${ph} ${fmtMs(l.phases[ph])} ms`).join(', ');
    row.append(svg('title', {}, `${l.layer}: ${parts || '0 ms'}\n${kernels}`));
    row.append(svg('text', { x: labelW - 6, y: y + rowH - 5, 'text-anchor': 'end', fill: '#222' }, l.layer));
    let sx = labelW;
    for (const ph of PHASES) {
      const w = (l.phases[ph] / max) * barW;
      if (w <= 0) continue;
      row.append(svg('rect', { x: sx, y, width: Math.max(w, 0.5), height: rowH, fill: COLOURS[ph], 'data-phase': ph }));
      sx += w;
    }
    row.append(svg('text', { x: sx + 4, y: y + rowH - 5, fill: '#444' }, `${fmtMs(l.ms)} ms`));
    root.append(row);
  });
  box.replaceChildren(root);
}

/** The kernels, slowest first; each name links to its page in the kernel lab. */
function renderKernels(p: StepProfile): void {
  const share = (ms: number) => (p.totalMs > 0 ? `${((100 * ms) / p.totalMs).toFixed(1)}%` : '—');
  $('profile-kernels').querySelector('tbody')!.replaceChildren(...p.byKernel.map((k) => {
    const tr = el('tr');
    const name = el('td');
    const a = el('a', k.kernel);
    a.href = `lab.html?kernel=${encodeURIComponent(k.kernel)}`;
    a.title = `${k.kernel} in the kernel lab`;
    name.append(a);
    tr.append(name, ...[k.role, String(k.dispatches), fmtMs(k.ms), share(k.ms), perSecondG(k.flop, k.ms), perSecondG(k.bytes, k.ms)].map((v) => el('td', v)));
    return tr;
  }));
}
