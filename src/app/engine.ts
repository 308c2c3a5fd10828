/**
 * The page's WebGPU engine: started with shader-compilation progress, its adapter named in the
 * header, and a lost device handled: the page says what happened, creates a new device and
 * (via training.ts) resumes a running session from its last autosave.
 */
import { type DeviceLostError, type Runtime, WebGpuUnavailableError, initEngine } from '../engine/index.ts';
import { state } from './state.ts';
import { $, el, log, setText } from './ui.ts';

export interface EngineHost {
  refresh(): void;
  onDeviceLost(err: DeviceLostError): Promise<void>;
}

let host: EngineHost;
export function setupEngine(h: EngineHost): void { host = h; }

/** Starts (or restarts) the engine; true when it is ready. */
export async function startEngine(): Promise<boolean> {
  document.body.dataset.engine = 'starting';
  $('engine-reinit').hidden = true;
  const progress = $<HTMLProgressElement>('engine-progress');
  progress.hidden = false;
  setText('engine-status', 'Starting WebGPU…');
  try {
    const rt = await initEngine({
      onProgress: (done, total) => {
        progress.value = done / total;
        setText('engine-status', `Compiling shaders ${done}/${total}…`);
      },
    });
    state.runtime = rt;
    const a = rt.ctx.summary;
    const name = [a.vendor, a.architecture].filter(Boolean).join(' / ') || 'unknown adapter';
    setText('engine-status', `GPU: ${name}${a.description ? ` (${a.description})` : ''}`);
    $('engine-status').title = `features: ${a.features.join(', ')}`;
    if (a.architecture === 'swiftshader') $('engine-status').textContent += ' — a CPU fallback: training will be slow';
    progress.hidden = true;
    document.body.dataset.engine = 'ready';
    log(`engine ready on ${name}`);
    rt.ctx.lost.then((err) => onDeviceLost(rt, err));
    host.refresh();
    return true;
  } catch (e) {
    progress.hidden = true;
    document.body.dataset.engine = 'unavailable';
    setText('engine-status', 'No WebGPU');
    $('engine-reinit').hidden = false;
    const fatal = $('fatal');
    fatal.replaceChildren(
      el('strong', e instanceof WebGpuUnavailableError ? 'WebGPU is not available, so this page cannot train.' : 'The GPU engine failed to start.'),
      el('p', (e as Error).message),
    );
    fatal.hidden = false;
    log(`engine: ${(e as Error).message}`);
    host.refresh();
    return false;
  }
}

function onDeviceLost(rt: Runtime, err: DeviceLostError): void {
  if (state.runtime !== rt) return;
  state.runtime = null;
  state.denoiser = null; // its buffers died with the device (no dispose: they belong to the old runtime)
  document.body.dataset.engine = 'lost';
  setText('engine-status', 'GPU device lost');
  $('engine-reinit').hidden = false;
  log(`GPU device lost: ${err.message}`);
  void host.onDeviceLost(err);
}
