/**
 * The engine's public API. Every op works with or without autograd; shapes are NHWC for
 * activations, conv2d weights are [KH, KW, Cin, Cout], transposed-conv weights [KH, KW, Cout, Cin].
 */
export { initEngine, runtime, resetEngine, Runtime, MAX_PROFILED_DISPATCHES, type BufferView, type LaunchArgs, type ProfiledDispatch } from './runtime.ts';
export { requestGpu, type AdapterSummary, type GpuContext } from './device.ts';
export * from './errors.ts';
export { Tensor, empty, tensor, viewTensor, tidy, keep, shapeSize, sameShape } from './tensor.ts';
export { backward, noGrad, isGradEnabled, requireGrad, record } from './autograd.ts';
export { Rng, randomUniform } from './random.ts';
export { kernelSources, reflectKernel, packUniforms, foldWorkgroups, compileModule } from './kernel.ts';
export * from './kernels.ts';
export * from './ops/elementwise.ts';
export { ParameterStore, Adam, checkAdam, type ParamSpec, type AdamOptions } from './optim.ts';
export { maxPool2d, poolOutSize, type PoolPadding, tolerance as poolTolerance } from './ops/pool.ts';
export { upsampleNearest, tolerance as upsampleTolerance } from './ops/upsample.ts';
export { mseLoss, maeLoss, msePerImage, maePerImage, psnrPerImage, reduceMean, type ReduceKind, tolerance as lossTolerance, psnrTolerance } from './ops/loss.ts';
export { convForward, convTranspose, wideSplit } from './ops/convLaunch.ts';
export { filterGrad, biasGrad, wideFilterSplit } from './ops/convGrad.ts';
export { conv2d, conv2dTranspose, setConvVariant, getConvVariant, convOutputSize, convTransposeOutputSize, type ConvOptions, type ConvGeometry, type ConvVariant, type ConvPadding, type ConvActivation, tolerance as convTolerance } from './ops/conv2d.ts';
export * from './ops/noise.ts';
export * from './ops/augment.ts';
export { ssimPerImage, SSIM_WINDOW, tolerance as ssimTolerance } from './ops/ssim.ts';
export { autotune, tuneShapesOf, describeTuning, TUNED_ROLES, type TuneShape, type TuneResult, type TuneStore, type TuneOptions } from './autotune.ts';
export { adapterKey, shapeKey, tunedFamily, chosenFamily, setTuned, tunedChoices, clearTuned, currentAdapterKey } from './tuning.ts';
