/** Linear: torch.nn.Linear — `weight` (out, in), `bias` (out), PyTorch's default initialisation. */
import type { LinearOps } from '../backend';
import { expectBool, expectInt, expectOptions } from '../ops/checks';
import type { Tensor } from '../tensor';
import { needInput } from './conv';
import { defaultWeight, seededRandom, uniform } from './init';
import { Module, type ModuleBackend } from './module';

/** Options of Linear, as torch.nn.Linear's. */
export interface LinearModuleOptions {
  /** Input features, integer ≥ 1 (required). */
  inFeatures: number;
  /** Output features, integer ≥ 1 (required). */
  outFeatures: number;
  /** Default true. */
  bias?: boolean;
  /** Seed of the deterministic initialisation (default 0). */
  seed?: number;
}

export class Linear extends Module<ModuleBackend & LinearOps> {
  /** Input features. */
  readonly inFeatures: number;
  /** Output features. */
  readonly outFeatures: number;
  /** The weight (outFeatures, inFeatures): state_dict name 'weight'. */
  readonly weight: Tensor;
  /** The bias (outFeatures), or null when bias is false: state_dict name 'bias'. */
  readonly bias: Tensor | null;
  #input: Tensor | null = null;

  constructor(backend: ModuleBackend & LinearOps, options: LinearModuleOptions) {
    super(backend);
    const op = 'Linear';
    const o = expectOptions<LinearModuleOptions>(options, op, ['inFeatures', 'outFeatures', 'bias', 'seed']);
    this.inFeatures = expectInt(o.inFeatures, op, 'inFeatures', 1);
    this.outFeatures = expectInt(o.outFeatures, op, 'outFeatures', 1);
    const hasBias = expectBool(o.bias, op, 'bias', true);
    const random = seededRandom(o.seed === undefined ? 0 : expectInt(o.seed, op, 'seed', 0));
    let weight: Tensor | undefined, bias: Tensor | null = null;
    this.building(() => {
      weight = this.registerParameter('weight', [this.outFeatures, this.inFeatures], defaultWeight([this.outFeatures, this.inFeatures], random));
      if (hasBias) bias = this.registerParameter('bias', [this.outFeatures], uniform([this.outFeatures], 1 / Math.sqrt(this.inFeatures), random));
    });
    this.weight = weight as Tensor;
    this.bias = bias;
  }

  override get label(): string {
    return `Linear(${this.inFeatures}→${this.outFeatures})`;
  }

  forward(x: Tensor): Tensor {
    this.checkAlive();
    const y = this.backend.linear(x, this.weight, this.bias);
    this.#input = x;
    return y;
  }

  backward(dy: Tensor): Tensor {
    this.checkAlive();
    const x = needInput(this.#input, this.label);
    const { dx, dw, db } = this.backend.linearBackward(x, this.weight, dy, { bias: this.bias !== null });
    this.#input = null;
    this.accumulateGrads(db ? { weight: dw as Tensor, bias: db } : { weight: dw as Tensor });
    return dx as Tensor;
  }

  protected override releaseCache(): void {
    this.#input = null;
  }
}
