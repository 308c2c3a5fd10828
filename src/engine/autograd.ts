/**
 * Reverse-mode autograd over Tensors. Ops call `record` after launching their forward kernel;
 * `backward` walks the graph in a deterministic reverse topological order (iterative, no
 * recursion), accumulates gradients where a tensor feeds several ops, and releases the graph.
 *
 * For the profiler, each node remembers `Runtime.tag` as it was when the op was recorded (e.g.
 * 'layers.3 conv2d forward'); while its backward rule runs the tag reads 'layers.3 conv2d backward'.
 */
import { EngineError, ShapeError } from './errors.ts';
import { type Runtime, runtime } from './runtime.ts';
import { type GradNode, type Tensor, keep, sameShape } from './tensor.ts';

/** A node with the runtime tag current when it was recorded. */
interface TaggedNode extends GradNode { tag: string }

const backwardTags = new Map<string, string>();

/**
 * The tag for an op's backward, from its forward tag: 'forward' becomes 'backward'
 * ('layers.3 conv2d forward' -> 'layers.3 conv2d backward'); other tags get ' backward' appended
 * ('loss' -> 'loss backward'), an empty one reads 'backward'. Memoised: a step has few tags.
 */
export function backwardTag(tag: string): string {
  let b = backwardTags.get(tag);
  if (b === undefined) {
    b = /\bforward\b/.test(tag) ? tag.replace(/\bforward\b/, 'backward') : tag ? `${tag} backward` : 'backward';
    backwardTags.set(tag, b);
  }
  return b;
}

let gradEnabled = true;

export function isGradEnabled(): boolean { return gradEnabled; }

/** Runs fn without recording a graph (inference, evaluation, backward rules themselves). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try { return fn(); } finally { gradEnabled = prev; }
}

/** Marks a tensor as a leaf that wants a gradient (a parameter, or an input under test). */
export function requireGrad<T extends Tensor>(t: T): T {
  t.requiresGrad = true;
  return t;
}

/**
 * Links `out` to its inputs when any of them wants a gradient. `backward` gets dY and returns
 * one gradient per input; `release` frees tensors saved only for backward.
 */
export function record(out: Tensor, op: string, inputs: (Tensor | null)[], backward: GradNode['backward'], release?: () => void): Tensor {
  if (gradEnabled && inputs.some((t) => t?.requiresGrad)) {
    out.requiresGrad = true;
    out.node = { op, inputs, backward, release, tag: runtime().tag } as TaggedNode;
  } else {
    release?.();
  }
  return out;
}

/** Tensors reachable from root through recorded ops, inputs before the ops that use them. */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>([root]);
  const stack: { t: Tensor; next: number }[] = [{ t: root, next: 0 }];
  while (stack.length) {
    const top = stack[stack.length - 1];
    const inputs = top.t.node?.inputs ?? [];
    if (top.next < inputs.length) {
      const c = inputs[top.next++];
      if (c && c.requiresGrad && !visited.has(c)) {
        visited.add(c);
        stack.push({ t: c, next: 0 });
      }
    } else {
      stack.pop();
      order.push(top.t);
    }
  }
  return order;
}

/** Hooks the ops module provides (kept here as injection to avoid an import cycle). */
export interface GradKernels {
  /** acc += g, in place. */
  accumulate(acc: Tensor, g: Tensor): void;
  /** A fresh copy. */
  clone(t: Tensor): Tensor;
  /** A tensor of the given shape filled with a value. */
  fill(shape: readonly number[], value: number): Tensor;
}
let kernels: GradKernels | null = null;

/**
 * Marks on gradients: an op may record that a gradient it returns already carries some later step
 * (src/engine/ops/conv2d.ts: multiplied by (x > 0) for its input x, a relu's output, so that the relu's
 * backward can be skipped). A sum keeps its mark only where both terms carry the same one; a copy
 * or anything else has none, and the step then runs as usual.
 */
export const gradMarks = new WeakMap<Tensor, object>();
export function setGradKernels(k: GradKernels): void { kernels = k; }

/**
 * Back-propagates from `root`. With no `seed`, root must hold one value and its gradient is 1.
 * Leaf tensors (requiresGrad, no node) receive `.grad`, accumulated in place if one exists
 * (so parameters with gradient views in a flat buffer get their slot filled). The graph is
 * released afterwards: intermediate gradients are disposed and nodes dropped.
 */
export function backward(root: Tensor, seed?: Tensor): void {
  if (!kernels) throw new EngineError('autograd kernels are not registered (import the engine from src/engine/index.ts)');
  const k = kernels;
  if (!root.requiresGrad) throw new EngineError(`backward(): ${root} does not require grad (no input of its graph does)`);
  if (!seed && root.size !== 1) throw new ShapeError(`backward(): root ${root} is not a scalar; pass a seed gradient of its shape`);
  if (seed && !sameShape(seed.shape, root.shape)) throw new ShapeError(`backward(): seed [${seed.shape}] does not match root [${root.shape}]`);

  const rt = runtime();
  const outerTag = rt.tag;
  try {
    noGrad(() => backwardPass(root, seed, k, rt));
  } finally {
    rt.tag = outerTag;
  }
}

/** backward()'s walk, with grad recording off; sets the runtime tag per node (see backwardTag). */
function backwardPass(root: Tensor, seed: Tensor | undefined, k: GradKernels, rt: Runtime): void {
  rt.tag = backwardTag((root.node as TaggedNode | null)?.tag ?? rt.tag);
  const grads = new Map<Tensor, Tensor>();
  grads.set(root, seed ? k.clone(seed) : k.fill(root.shape, 1));
  const order = topoOrder(root);
  for (let i = order.length - 1; i >= 0; i--) {
    const t = order[i];
    const node = t.node;
    const dy = grads.get(t);
    if (!node) {
      // A leaf: its gradient was accumulated into .grad when its consumers ran.
      continue;
    }
    grads.delete(t);
    if (!dy) { node.release?.(); t.node = null; continue; }
    rt.tag = backwardTag((node as TaggedNode).tag);
    const gin = node.backward(dy);
    if (gin.length !== node.inputs.length) throw new EngineError(`${node.op}: backward returned ${gin.length} gradients for ${node.inputs.length} inputs`);
    const handed = new Set<Tensor>();
    node.inputs.forEach((input, j) => {
      let g = gin[j];
      if (!input || !input.requiresGrad || !g) { if (g && g !== dy && !handed.has(g)) g.dispose(); return; }
      if (!sameShape(g.shape, input.shape)) throw new ShapeError(`${node.op}: gradient [${g.shape}] for input [${input.shape}]`);
      // A rule may pass dY through, or give one tensor to two inputs: store copies then.
      if (g === dy || handed.has(g)) g = k.clone(g);
      handed.add(g);
      accumulateInto(input, g, grads, k);
    });
    dy.dispose();
    node.release?.();
    t.node = null;
  }
  for (const g of grads.values()) g.dispose();
}

function accumulateInto(input: Tensor, g: Tensor, grads: Map<Tensor, Tensor>, k: GradKernels): void {
  if (!input.node) {
    if (input.grad) { k.accumulate(input.grad, g); g.dispose(); }
    else input.grad = keep(g);
    return;
  }
  const have = grads.get(input);
  if (have) {
    if (gradMarks.get(have) !== gradMarks.get(g)) gradMarks.delete(have);
    k.accumulate(have, g);
    g.dispose();
  }
  else grads.set(input, g);
}
