/**
 * The engine's public API. Every op works with or without autograd; shapes are NHWC for
 * activations, conv2d weights are [KH, KW, Cin, Cout], transposed-conv weights [KH, KW, Cout, Cin].
 */
export { initEngine, runtime, resetEngine, Runtime, type BufferView, type LaunchArgs } from './runtime.ts';
export { requestGpu, type AdapterSummary, type GpuContext } from './device.ts';
export * from './errors.ts';
export { Tensor, empty, tensor, viewTensor, tidy, keep, shapeSize, sameShape } from './tensor.ts';
export { backward, noGrad, isGradEnabled, requireGrad, record } from './autograd.ts';
export { Rng, randomUniform } from './random.ts';
export { kernelSources, reflectKernel, specialize, packUniforms, foldWorkgroups, compileModule } from './kernel.ts';
export * from './ops/elementwise.ts';
export { ParameterStore, Adam, checkAdam, type ParamSpec, type AdamOptions } from './optim.ts';
