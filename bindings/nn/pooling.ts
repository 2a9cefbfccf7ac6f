/** Pooling modules: MaxPool2d, AvgPool2d and AdaptiveAvgPool2d (PyTorch's overlapping bins). */
import { OptionError } from '../errors';
import { expectOptions, expectPair } from '../ops/checks';
import type { Pair } from '../ops/conv2d_options';
import type { NnOps, Pool2dOptions } from '../ops/nn';
import type { Tensor } from '../tensor';
import { needInput } from './conv';
import { Module, type ModuleBackend } from './module';
import { ShapeOnlyModule } from './shape';

type Backend = ModuleBackend & NnOps;
const POOL_KEYS = ['kernelSize', 'stride', 'padding', 'dilation', 'ceilMode', 'countIncludePad'];

export class MaxPool2d extends Module<Backend> {
  /** The pooling options (frozen copy). */
  readonly options: Readonly<Pool2dOptions>;
  #input: Tensor | null = null;

  constructor(backend: Backend, options: Pool2dOptions) {
    super(backend);
    // The op validates the values (ops/nn_checks.ts); here only unknown keys, so typos fail at once.
    this.options = Object.freeze({ ...expectOptions<Pool2dOptions>(options, 'MaxPool2d', POOL_KEYS.filter((k) => k !== 'countIncludePad')) }) as Pool2dOptions;
  }

  forward(x: Tensor): Tensor {
    this.checkAlive();
    const y = this.backend.maxPool2d(x, this.options);
    this.#input = x;
    return y;
  }

  backward(dy: Tensor): Tensor {
    this.checkAlive();
    const x = needInput(this.#input, this.label);
    this.#input = null;
    return this.backend.maxPool2dBackward(x, dy, this.options);
  }

  protected override releaseCache(): void {
    this.#input = null;
  }
}

/** torch.nn.AvgPool2d: kernel, stride (default the kernel), padding, ceilMode, countIncludePad (default true). */
export class AvgPool2d extends ShapeOnlyModule {
  /** The pooling options (frozen copy). */
  readonly options: Readonly<Pool2dOptions>;

  constructor(backend: Backend, options: Pool2dOptions) {
    super(backend);
    this.options = Object.freeze({ ...expectOptions<Pool2dOptions>(options, 'AvgPool2d', POOL_KEYS.filter((k) => k !== 'dilation')) }) as Pool2dOptions;
  }

  protected apply(x: Tensor): Tensor {
    return this.backend.avgPool2d(x, this.options);
  }

  protected applyBackward(xShape: readonly number[], dy: Tensor): Tensor {
    return this.backend.avgPool2dBackward(xShape, dy, this.options);
  }
}

/** torch.nn.AdaptiveAvgPool2d: average pooling to a fixed output size, with PyTorch's overlapping bins. */
export class AdaptiveAvgPool2d extends ShapeOnlyModule {
  /** Output [height, width]. */
  readonly outputSize: [number, number];

  constructor(backend: Backend, outputSize: Pair) {
    super(backend);
    if (outputSize === undefined) throw new OptionError('AdaptiveAvgPool2d: outputSize is required (a number or [h, w])');
    this.outputSize = expectPair(outputSize, 'AdaptiveAvgPool2d', 'outputSize', 1, NaN);
  }

  override get label(): string {
    return `AdaptiveAvgPool2d(${this.outputSize.join('×')})`;
  }

  protected apply(x: Tensor): Tensor {
    return this.backend.adaptiveAvgPool2d(x, this.outputSize);
  }

  protected applyBackward(xShape: readonly number[], dy: Tensor): Tensor {
    return this.backend.adaptiveAvgPool2dBackward(xShape, dy);
  }
}
