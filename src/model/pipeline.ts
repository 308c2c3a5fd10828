/**
 * From a clean batch to a training pair on the GPU: augment the clean images (one set of
 * per-image transforms, so the pair stays aligned), then add seeded noise to make the input.
 */
import { type NoiseOptions, type Tensor, addNoise, applyAugment, augmentParams } from '../engine/index.ts';
import type { NoiseConfig, TrainConfig } from './config.ts';

/** A u32 seed from (seed, step): different steps and runs draw different transforms. */
function mix(seed: number, step: number): number {
  return (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(step >>> 0, 0x85ebca77)) >>> 0;
}

/** Noise of a configuration, drawn with (seed, step); different images of a batch get different noise. */
export function addNoiseFor(x: Tensor, noise: NoiseConfig, seed: number, step: number): Tensor {
  return addNoise(x, { ...noise, seed: seed >>> 0, step: step >>> 0 } as NoiseOptions);
}

/** The (noisy input, clean target) pair for one step. `augment` off for validation. */
export function corrupt(clean: Tensor, c: TrainConfig, seed: number, step: number, augment: boolean): { noisy: Tensor; target: Tensor } {
  const a = c.augment;
  let target = clean;
  if (augment && (a.flip || a.rot90 || a.rotation > 0 || a.shift > 0)) {
    target = applyAugment(clean, augmentParams(clean.shape, {
      seed: mix(seed, step),
      flipH: a.flip,
      flipV: a.flip && a.rot90, // with quarter turns: all eight symmetries of the square, as DnCNN
      rot90: a.rot90,
      rotation: a.rotation,
      widthShift: a.shift,
      heightShift: a.shift,
      fill: 'nearest', // Keras ImageDataGenerator's default
    }));
  }
  return { noisy: addNoiseFor(target, c.noise, seed, step), target };
}
