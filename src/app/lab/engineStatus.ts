/**
 * Starting the engine for the lab, with its progress and adapter in the header, and a clear
 * message in the page (#fatal) when there is no WebGPU. `body[data-engine]` follows it:
 * 'starting', then 'ready', 'unavailable' or, later, 'lost'.
 */
import { type DeviceLostError, type Runtime, WebGpuUnavailableError, initEngine } from '../../engine/index.ts';
import { byId, h } from './dom.ts';

/** Starts the engine; returns it, or null after showing why it could not start. */
export async function startEngine(onLost: (e: DeviceLostError) => void): Promise<Runtime | null> {
  const status = byId('engine-status');
  const progress = byId<HTMLProgressElement>('engine-progress');
  try {
    const rt = await initEngine({
      onProgress: (done, total) => { progress.value = done / total; status.textContent = `Compiling kernels ${done}/${total}…`; },
    });
    const a = rt.ctx.summary;
    const name = [a.vendor, a.architecture].filter(Boolean).join(' / ') || 'unknown adapter';
    status.textContent = `GPU: ${name}${a.description ? ` (${a.description})` : ''}${rt.ctx.hasTimestamps ? '' : ' · no timestamp queries'}`;
    status.title = `features: ${a.features.join(', ')}`;
    progress.hidden = true;
    document.body.dataset.engine = 'ready';
    rt.ctx.lost.then((e) => {
      document.body.dataset.engine = 'lost';
      status.textContent = 'GPU device lost';
      onLost(e);
    });
    return rt;
  } catch (e) {
    progress.hidden = true;
    status.textContent = 'No WebGPU';
    document.body.dataset.engine = 'unavailable';
    document.body.dataset.lab = 'failed';
    const fatal = byId('fatal');
    fatal.replaceChildren(
      h('strong', '', e instanceof WebGpuUnavailableError ? 'WebGPU is not available: the lab can show kernels but not run them.' : 'The GPU engine failed to start.'),
      h('p', '', (e as Error).message),
    );
    fatal.hidden = false;
    return null;
  }
}
