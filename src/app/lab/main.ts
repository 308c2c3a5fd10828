/**
 * The kernel lab (lab.html): pick any kernel of the table, read its WGSL, check it against the
 * float64 reference at a shape, and time it (next to TensorFlow.js when asked) on this GPU.
 *
 * The page shows the kernel's source, bindings and facts at once (no GPU needed); the engine
 * starts in the background and enables Check and Time when ready. State lives in the URL
 * (urlState.ts), so a result can be shared; `&run=1` runs it on open.
 */
import 'highlight.js/styles/github.css';
import type { Runtime } from '../../engine/index.ts';
import { kernelSources } from '../../engine/kernel.ts';
import { type Dims, KERNELS, type KernelRow } from '../../engine/kernels.ts';
import { kernelCase, shapeName } from '../../lab/cases.ts';
import { checkKernel } from '../../lab/check.ts';
import { checkSummary, renderCheck } from './checkPanel.ts';
import { startEngine } from './engineStatus.ts';
import { byId, h } from './dom.ts';
import { buildKernelList } from './kernelList.ts';
import { renderDoc, renderFacts, renderTitle } from './kernelDoc.ts';
import { Runner, type Job } from './runner.ts';
import { ShapeForm } from './shapeForm.ts';
import { headerComment, reflectForPage, renderBindings, renderSource } from './sourceView.ts';
import { type TimedRow, renderTimes, timeSummary } from './timePanel.ts';
import { type Peak, TimingMissing, adapterPeak, timeKernel } from './timingApi.ts';
import { type LabState, type Mode, readUrl, writeUrl } from './urlState.ts';

/** The seed of every check's inputs (the same inputs on every visit, so results can be shared). */
const SEED = 1;
const FIRST_KERNEL = 'conv2d_tiled';

const state = {
  row: KERNELS[FIRST_KERNEL] as KernelRow,
  mode: 'check' as Mode,
  runtime: null as Runtime | null,
  peak: null as Peak | null,
  /** Timed rows of the current kernel, newest first. */
  times: [] as TimedRow[],
};

const markSelected = buildKernelList(byId('kernel-list'), (name) => selectKernel(name, {}, true));
const form = new ShapeForm(byId('shape-form'), onShapeChange);
const runner = new Runner(updateButtons);
const reps = byId<HTMLInputElement>('reps');
const tfjsSwitch = byId<HTMLInputElement>('tfjs');

// ---- kernel, shape, mode ---------------------------------------------------------------------

/** Shows a kernel: title, facts, bindings, source, its shapes; results of another kernel are cleared. */
function selectKernel(name: string, fields: Record<string, string>, newEntry: boolean): void {
  const row = KERNELS[name];
  if (!row) {
    selectKernel(state.row.name, {}, false);
    showResult(`No kernel '${name}' in the kernel table; showing ${state.row.name}. Pick one from the list.`, 'bad');
    document.body.dataset.lab = 'failed';
    return;
  }
  if (runner.busy) runner.cancel();
  const changed = row !== state.row;
  state.row = row;
  if (changed) state.times = [];
  markSelected(name);
  document.title = `${name} — kernel lab`;
  const source = kernelSources[name] ?? '';
  renderTitle(byId('kernel-title'), row, (k) => selectKernel(k, {}, true));
  renderDoc(byId('doc'), name, headerComment(source));
  renderBindings(byId('bindings'), reflectForPage(name, source));
  renderSource(byId('source'), name, source);
  form.setKernel(row, fields);
  renderFactsNow();
  byId('check-result').replaceChildren(h('p', 'note', 'Press Check to run the kernel once on seeded random inputs and compare it with its float64 CPU reference.'));
  renderTimes(byId('time-result'), row, state.times, state.peak, kernelCase(name).noTfjs);
  if (changed) showResult('', '');
  updateTfjsNote();
  saveUrl(newEntry);
  updateButtons();
}

/** With the TF.js switch on, says when this kernel has no TF.js counterpart. */
function updateTfjsNote(): void {
  const why = kernelCase(state.row.name).noTfjs;
  const note = byId('tfjs-note');
  note.hidden = !tfjsSwitch.checked || !why;
  note.textContent = why ? `TF.js: ${why}.` : '';
}

function renderFactsNow(): void {
  renderFacts(byId('facts'), state.row, form.result().dims);
}

function onShapeChange(): void {
  renderFactsNow();
  saveUrl(false);
  updateButtons();
}

function setMode(mode: Mode): void {
  state.mode = mode;
  for (const b of document.querySelectorAll<HTMLButtonElement>('.mode-tabs button')) {
    b.classList.toggle('active', b.dataset.mode === mode);
    b.setAttribute('aria-selected', String(b.dataset.mode === mode));
  }
  byId('check').hidden = mode !== 'check';
  byId('time').hidden = mode !== 'time';
  byId('time-options').hidden = mode !== 'time';
  byId('run').textContent = mode === 'check' ? 'Check' : 'Time';
  byId('mode-note').textContent = mode === 'check'
    ? 'Runs the kernel once on seeded random inputs and compares every value with the float64 reference.'
    : 'Times repeated runs (the first, with compilation, apart) against the adapter\'s measured peak.';
  saveUrl(false);
}

function currentState(): LabState {
  return { kernel: state.row.name, fields: form.fields(), mode: state.mode, tfjs: tfjsSwitch.checked, reps: repsValue(), run: false };
}

const saveUrl = (newEntry: boolean) => writeUrl(currentState(), newEntry);
/** Samples per timing: timing.ts takes at least 3. */
const repsValue = () => Math.max(3, Math.min(1000, Math.round(Number(reps.value)) || 3));

/** Applies a state read from the URL (on load and on back/forward). */
function applyState(s: LabState): void {
  tfjsSwitch.checked = s.tfjs;
  reps.value = String(s.reps);
  selectKernel(s.kernel, s.fields, false);
  setMode(s.mode);
}

function updateButtons(): void {
  const ready = state.runtime !== null;
  const shapeOk = form.result().dims !== null;
  const busy = runner.busy;
  const run = byId<HTMLButtonElement>('run');
  run.disabled = !ready || busy || !shapeOk;
  const engine = document.body.dataset.engine;
  run.title = ready ? (shapeOk ? '' : 'fix the shape first') : engine === 'starting' ? 'waiting for WebGPU' : 'WebGPU is not available';
  byId<HTMLButtonElement>('run-all').disabled = !ready || busy;
  form.setDisabled(busy);
  for (const b of document.querySelectorAll<HTMLButtonElement>('.mode-tabs button')) b.disabled = busy;
  reps.disabled = busy;
  tfjsSwitch.disabled = busy;
}

// ---- results ---------------------------------------------------------------------------------

/** The one-line outcome in #result ('ok', 'bad' or '' for neutral). */
function showResult(text: string, kind: 'ok' | 'bad' | '', detail = ''): void {
  const r = byId('result');
  r.className = `result ${kind}`;
  r.replaceChildren(...(text ? [h('div', '', text)] : []), ...(detail ? [h('pre', 'detail', detail)] : []));
}

function failed(e: unknown): void {
  const msg = e instanceof Error ? e.message : String(e);
  showResult(e instanceof TimingMissing ? msg : `Failed: ${msg}`, 'bad');
  console.warn(`[lab] ${msg}`);
}

/** Check at one shape (`all`: every offered shape). */
async function runCheck(all: boolean): Promise<void> {
  const row = state.row;
  const targets = shapesToRun(all);
  if (!targets) return;
  let last = null as Awaited<ReturnType<typeof checkKernel>> | null;
  let fails = 0;
  let checked = 0;
  const jobs: Job<Awaited<ReturnType<typeof checkKernel>>>[] = targets.map((t) => ({
    label: `Checking ${row.name} at ${shapeName(row, t.dims)}`,
    run: () => checkKernel(row.name, t.dims, SEED),
  }));
  const outcome = await runner.run(jobs, (r) => {
    if (state.row !== row) return;
    last = r;
    checked++;
    if (!r.pass) fails++;
    renderCheck(byId('check-result'), row, r, SEED);
    showResult(checkSummary(r), r.pass ? 'ok' : 'bad');
  });
  if (all && last && state.row === row) {
    const done = `${checked} of ${jobs.length} shapes checked${outcome === 'cancelled' ? ' (cancelled)' : ''}`;
    showResult(`${done}: ${fails ? `${fails} FAILED` : 'all passed'}. The last one, shown below: ${checkSummary(last)}`, fails ? 'bad' : 'ok');
  }
}

/** Time at one shape (`all`: every offered shape); rows accumulate in the table. */
async function runTime(all: boolean): Promise<void> {
  const row = state.row;
  const targets = shapesToRun(all);
  if (!targets) return;
  const tfjs = tfjsSwitch.checked;
  const n = repsValue();
  const jobs: Job<TimedRow | null>[] = [];
  if (!state.peak) {
    jobs.push({ label: 'Measuring the adapter\'s peak (once per visit)', run: async () => { setPeak(await adapterPeak()); return null; } });
  }
  for (const t of targets) {
    jobs.push({
      label: `Timing ${row.name} at ${shapeName(row, t.dims)}${tfjs ? ' and TF.js' : ''}, ${n} runs`,
      run: async () => ({ kernel: row.name, shape: shapeName(row, t.dims), label: t.label, t: await timeKernel(row.name, t.dims, { tfjs, reps: n }), tfjsAsked: tfjs }),
    });
  }
  await runner.run(jobs, (r) => {
    if (!r || state.row !== row) return;
    state.times.unshift(r);
    renderTimes(byId('time-result'), row, state.times, state.peak, kernelCase(row.name).noTfjs);
    showResult(timeSummary(r, state.peak), 'ok');
  });
}

/** The shapes a run covers; null (with the message shown) when the typed shape is invalid. */
function shapesToRun(all: boolean): { label: string; dims: Dims }[] | null {
  if (all) return form.shapes();
  const r = form.result();
  if (!r.dims) {
    showResult(`Cannot run this shape: ${r.error}`, 'bad');
    document.body.dataset.lab = 'failed';
    return null;
  }
  return [{ label: form.label(), dims: r.dims }];
}

function setPeak(p: Peak): void {
  state.peak = p;
  byId('peak').textContent = `peak ${p.gflops.toPrecision(3)} GFLOP/s · ${p.gbps.toPrecision(3)} GB/s`;
}

async function run(all: boolean): Promise<void> {
  if (runner.busy || !state.runtime) return;
  try {
    await (state.mode === 'check' ? runCheck(all) : runTime(all));
  } catch (e) {
    failed(e);
  }
}

// ---- wiring ----------------------------------------------------------------------------------

for (const b of document.querySelectorAll<HTMLButtonElement>('.mode-tabs button')) {
  b.addEventListener('click', () => setMode(b.dataset.mode as Mode));
}
byId('run').addEventListener('click', () => void run(false));
byId('run-all').addEventListener('click', () => void run(true));
reps.addEventListener('change', () => saveUrl(false));
tfjsSwitch.addEventListener('change', () => { updateTfjsNote(); saveUrl(false); });
window.addEventListener('popstate', () => applyState(readUrl(location.search, FIRST_KERNEL)));

const initial = readUrl(location.search, FIRST_KERNEL);
applyState(initial);
void startEngine((e) => {
  state.runtime = null;
  showResult(`${e.message} Reload the page to start a new device.`, 'bad');
  updateButtons();
}).then((rt) => {
  state.runtime = rt;
  updateButtons();
  if (rt && initial.run) void run(false);
});
