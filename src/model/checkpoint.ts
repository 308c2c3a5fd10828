/**
 * Checkpoints in the safetensors format: every parameter by name (conv weights in the engine's
 * HWIO layout), optionally Adam's moments, and a `__metadata__` entry holding the architecture,
 * preset, channels, noise settings, epoch and metrics as JSON. Loading checks that the file
 * fits the model and says what does not.
 */
import { Adam, EngineError } from '../engine/index.ts';
import type { ModelSpec } from './layers.ts';
import { Model } from './layers.ts';
import { type NamedTensor, readSafetensors, writeSafetensors } from './safetensors.ts';

export class CheckpointError extends EngineError {}

export const CHECKPOINT_FORMAT = 'webgpu-denoise/1';

export interface CheckpointMeta {
  format: typeof CHECKPOINT_FORMAT;
  preset: string;
  spec: ModelSpec;
  channels: number;
  epoch: number;
  /** Noise the model was trained for, e.g. { kind: 'gaussian', sigma: 25 }. */
  noise?: unknown;
  /** Last metrics (validation loss, PSNR...). */
  metrics?: Record<string, number>;
  /** The training configuration, to resume with the same settings. */
  config?: unknown;
  /** Every finished epoch's record (trainer.ts EpochRecord), so that a resumed run's history starts at epoch 1. */
  history?: unknown;
  createdAt: string;
}

export interface Checkpoint {
  meta: CheckpointMeta;
  params: Map<string, NamedTensor>;
  optimizer: { t: number; m: Float32Array; v: Float32Array } | null;
}

/** Serialises a model (and optionally its Adam state) with metadata. */
export async function saveCheckpoint(model: Model, meta: Omit<CheckpointMeta, 'format' | 'spec' | 'channels' | 'createdAt'>, adam?: Adam): Promise<Uint8Array> {
  const values = await model.store.readAll();
  const tensors: NamedTensor[] = model.store.tensors.map((t) => ({ name: t.label, shape: [...t.shape], data: values.get(t.label)! }));
  if (adam) {
    const s = await adam.readState();
    tensors.push({ name: 'optimizer.adam.m', shape: [s.m.length], data: s.m }, { name: 'optimizer.adam.v', shape: [s.v.length], data: s.v });
  }
  const full: CheckpointMeta = { format: CHECKPOINT_FORMAT, spec: model.spec, channels: model.spec.channels, createdAt: new Date().toISOString(), ...meta };
  const metadata: Record<string, string> = { checkpoint: JSON.stringify(full) };
  if (adam) metadata['optimizer.adam.t'] = String(adam.t);
  return writeSafetensors(tensors, metadata);
}

/** Parses a checkpoint file; throws CheckpointError saying what is wrong with it. */
export function readCheckpoint(bytes: Uint8Array, fileName = 'checkpoint'): Checkpoint {
  let parsed;
  try {
    parsed = readSafetensors(bytes);
  } catch (e) {
    throw new CheckpointError(`${fileName} is not a safetensors checkpoint: ${(e as Error).message}`);
  }
  const raw = parsed.metadata.checkpoint;
  if (!raw) throw new CheckpointError(`${fileName} has no 'checkpoint' metadata: it was not written by this engine (for the pretrained DnCNN file use loadPretrainedDncnn)`);
  let meta: CheckpointMeta;
  try { meta = JSON.parse(raw); } catch { throw new CheckpointError(`${fileName}: its checkpoint metadata is not valid JSON`); }
  if (meta.format !== CHECKPOINT_FORMAT) throw new CheckpointError(`${fileName}: format '${meta.format}', expected '${CHECKPOINT_FORMAT}'`);
  if (!meta.spec || !Array.isArray(meta.spec.layers)) throw new CheckpointError(`${fileName}: the metadata holds no model architecture`);
  const params = new Map([...parsed.tensors].filter(([k]) => !k.startsWith('optimizer.')));
  const m = parsed.tensors.get('optimizer.adam.m');
  const v = parsed.tensors.get('optimizer.adam.v');
  const t = Number(parsed.metadata['optimizer.adam.t']);
  return { meta, params, optimizer: m && v && Number.isInteger(t) ? { t, m: m.data, v: v.data } : null };
}

/** Every way the checkpoint's parameters do not fit the model, as readable lines. */
export function checkpointMismatches(model: Model, params: Map<string, NamedTensor>): string[] {
  const problems: string[] = [];
  for (const t of model.store.tensors) {
    const p = params.get(t.label);
    if (!p) problems.push(`missing parameter '${t.label}' [${t.shape}]`);
    else if (p.shape.join(',') !== t.shape.join(',')) problems.push(`'${t.label}' is [${p.shape}] in the file but [${t.shape}] in the model`);
  }
  for (const name of params.keys()) {
    if (!model.store.names.includes(name)) problems.push(`unexpected parameter '${name}' [${params.get(name)!.shape}]`);
  }
  return problems;
}

/** Loads parameters into an existing model; throws listing every mismatch, leaving the model untouched. */
export async function loadIntoModel(model: Model, params: Map<string, NamedTensor>, fileName = 'checkpoint'): Promise<void> {
  const problems = checkpointMismatches(model, params);
  if (problems.length) {
    const more = problems.length > 8 ? `\n  ... and ${problems.length - 8} more` : '';
    throw new CheckpointError(`${fileName} does not fit this model (${problems.length} problem${problems.length > 1 ? 's' : ''}):\n  ${problems.slice(0, 8).join('\n  ')}${more}`);
  }
  await model.store.writeAll(new Map([...params].map(([k, v]) => [k, v.data])));
}

/** Builds the model a checkpoint describes and loads its parameters. */
export async function modelFromCheckpoint(ck: Checkpoint, fileName = 'checkpoint'): Promise<Model> {
  const model = new Model(ck.meta.spec);
  try {
    await loadIntoModel(model, ck.params, fileName);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

/**
 * The authors' DnCNN-S weights (models/dncnn_s25_folded.safetensors): `layers.{i}.weight_hwio`
 * [3,3,Cin,Cout] and `layers.{i}.bias`, BatchNorm folded in. Returns parameters named as our Model names them.
 */
export function pretrainedDncnnParams(bytes: Uint8Array): Map<string, NamedTensor> {
  const { tensors } = readSafetensors(bytes);
  const out = new Map<string, NamedTensor>();
  for (const [name, t] of tensors) {
    const m = /^layers\.(\d+)\.(weight_hwio|bias)$/.exec(name);
    if (!m) continue;
    const ours = `layers.${m[1]}.${m[2] === 'bias' ? 'bias' : 'weight'}`;
    out.set(ours, { ...t, name: ours });
  }
  if (!out.size) throw new CheckpointError('no layers.{i}.weight_hwio tensors: not the DnCNN weight file');
  return out;
}
