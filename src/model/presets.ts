/**
 * Model presets. Parameter counts and FLOPs per image are computed by traceModel, and the
 * numbers quoted here were printed by it (see tests/model.node.test.ts).
 */
import type { ModelSpec } from './layers.ts';

/**
 * `seed`: the original project's Keras autoencoder. Encoder: four 3x3 stride-2 'same' Conv2D +
 * ReLU (32, 64, 128, 256 filters) and a 2x2 max-pool; decoder: four 3x3 stride-2 'same'
 * Conv2DTranspose + ReLU (256, 128, 64, 32), x2 nearest upsampling, 3x3 'same' Conv2D + sigmoid
 * back to the image channels. Images 128x128 in the original.
 */
export function seedAutoencoder(channels = 1): ModelSpec {
  const conv = (filters: number) => ({ type: 'conv2d' as const, filters, kernel: 3, stride: 2, padding: 'same' as const, activation: 'relu' as const });
  const deconv = (filters: number) => ({ type: 'conv2dTranspose' as const, filters, kernel: 3, stride: 2, padding: 'same' as const, activation: 'relu' as const });
  return {
    channels,
    layers: [
      conv(32), conv(64), conv(128), conv(256),
      { type: 'maxPool2d', padding: 'valid' },
      deconv(256), deconv(128), deconv(64), deconv(32),
      { type: 'upsample', factor: 2 },
      { type: 'conv2d', filters: channels, kernel: 3, stride: 1, padding: 'same', activation: 'sigmoid' },
    ],
  };
}

/** `dncnn`: DnCNN-S, 17 3x3 'same' convs, 64 channels, ReLU, residual (the layers predict the noise). */
export function dncnn(channels = 1, depth = 17, width = 64): ModelSpec {
  const layers: ModelSpec['layers'] = [];
  for (let i = 0; i < depth; i++) {
    const last = i === depth - 1;
    layers.push({ type: 'conv2d', filters: last ? channels : width, kernel: 3, stride: 1, padding: 'same', activation: last ? 'none' : 'relu' });
  }
  return { channels, layers, residual: true };
}

/**
 * `small` (the default): a residual denoiser sized to train in minutes on a laptop GPU. DnCNN's
 * recipe (3x3 convs, ReLU, the network predicts the noise) at depth 8 and width 32.
 */
export function smallResidual(channels = 1): ModelSpec {
  return dncnn(channels, 8, 32);
}
