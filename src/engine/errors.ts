/**
 * Errors are features: each names its cause and what to do about it.
 * Classes let callers (the pages, the CLI, the tests) tell them apart.
 */

export class EngineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** WebGPU is missing, or no adapter/device could be had. */
export class WebGpuUnavailableError extends EngineError {}

/** The device was lost (driver reset, GPU process crash, destroy()). */
export class DeviceLostError extends EngineError {
  constructor(readonly reason: string, readonly detail: string) {
    super(`WebGPU device lost (reason: ${reason}): ${(detail || 'no message').replace(/\.+$/, '')}. ` +
      'Training state up to the last checkpoint is kept; re-initialise the engine to continue.');
  }
}

/** A WGSL kernel failed to compile; names the kernel, the compiler message and the source line. */
export class ShaderCompileError extends EngineError {}

/** A kernel launch does not match the kernel's reflected bindings or uniform struct. */
export class BindingError extends EngineError {}

/** Shapes that do not fit an op. */
export class ShapeError extends EngineError {}

/** Use of a disposed tensor, or another misuse of the tensor API. */
export class TensorError extends EngineError {}

/** A request over a device limit (buffer size, binding size). */
export class LimitError extends EngineError {}

/** A WebGPU validation or out-of-memory error the engine did not catch earlier. */
export class GpuValidationError extends EngineError {}
