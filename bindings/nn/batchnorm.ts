/**
 * BatchNorm1d / BatchNorm2d: torch.nn.BatchNorm{1,2}d — `weight` (γ), `bias` (β), `running_mean`,
 * `running_var` (PyTorch's `num_batches_tracked` is not kept: with a numeric momentum it changes
 * nothing, and loading ignores it). Training mode normalises with the batch statistics (biased
 * variance) and updates the running ones (unbiased variance); eval mode uses the running ones.
 * `momentum` is settable: 1 makes the running statistics exactly the last batch's (BatchNorm
 * calibration, the same as PyTorch's momentum=None after reset_running_stats() and one batch).
 */
import { OptionError, ShapeError } from '../errors';
import { describe, expectBool, expectInt, expectOptions, fmtShape } from '../ops/checks';
import type { BatchNormSaved, BatchNormState, NnOps } from '../ops/nn';
import type { Tensor } from '../tensor';
import { needInput } from './conv';
import { filled } from './init';
import { Module, type ModuleBackend } from './module';

/** Options of BatchNorm1d / BatchNorm2d, as torch.nn.BatchNorm's. */
export interface BatchNormModuleOptions {
  /** Number of channels C, integer ≥ 1 (required). */
  numFeatures: number;
  /** Default 1e-5. */
  eps?: number;
  /** Default 0.1. */
  momentum?: number;
  /** Default true: learnable γ and β. */
  affine?: boolean;
  /** Default true: keep running statistics (eval mode uses them). */
  trackRunningStats?: boolean;
}

const KEYS = ['numFeatures', 'eps', 'momentum', 'affine', 'trackRunningStats'];

function checkMomentum(op: string, v: unknown): number {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new OptionError(`${op}: momentum must be a number in [0, 1], got ${describe(v)}`);
  return v;
}

export abstract class BatchNorm extends Module<ModuleBackend & NnOps> {
  /** Number of channels C. */
  readonly numFeatures: number;
  /** Added to the variance before the square root (default 1e-5). */
  readonly eps: number;
  #momentum: number;
  /** The module's weight, bias, running_mean and running_var by role (null when affine / trackRunningStats is off). */
  readonly bnState: Readonly<BatchNormState>;
  #input: Tensor | null = null;
  #saved: BatchNormSaved | null = null;
  #forwardTraining = false;
  /** Ranks this flavour accepts, for the message: [2, 3] for 1d, [4] for 2d. */
  protected abstract readonly ranks: readonly number[];

  constructor(backend: ModuleBackend & NnOps, options: BatchNormModuleOptions) {
    super(backend);
    const op = new.target.name;
    const o = expectOptions<BatchNormModuleOptions>(options, op, KEYS);
    this.numFeatures = expectInt(o.numFeatures, op, 'numFeatures', 1);
    if (o.eps !== undefined && (typeof o.eps !== 'number' || !(o.eps > 0) || !Number.isFinite(o.eps))) {
      throw new OptionError(`${op}: eps must be a finite number > 0, got ${describe(o.eps)}`);
    }
    this.eps = o.eps ?? 1e-5;
    this.#momentum = o.momentum === undefined ? 0.1 : checkMomentum(op, o.momentum);
    const affine = expectBool(o.affine, op, 'affine', true);
    const track = expectBool(o.trackRunningStats, op, 'trackRunningStats', true);
    const c = [this.numFeatures];
    const s: BatchNormState = { weight: null, bias: null, runningMean: null, runningVar: null };
    this.building(() => {
      if (affine) {
        s.weight = this.registerParameter('weight', c, filled(c, 1));
        s.bias = this.registerParameter('bias', c, filled(c, 0));
      }
      if (track) {
        s.runningMean = this.registerBuffer('running_mean', c, filled(c, 0));
        s.runningVar = this.registerBuffer('running_var', c, filled(c, 1));
      }
    });
    this.bnState = Object.freeze(s);
  }

  override get label(): string {
    return `${this.constructor.name}(${this.numFeatures})`;
  }

  /** Momentum of the running-statistics update, in [0, 1] (default 0.1). */
  get momentum(): number {
    return this.#momentum;
  }

  /** Sets the momentum; OptionError unless a number in [0, 1]. */
  set momentum(value: number) {
    this.#momentum = checkMomentum(`${this.label}: momentum`, value);
  }

  /** Eval mode without running statistics normalises with the batch's, as PyTorch. */
  get usesBatchStats(): boolean {
    return this.training || this.bnState.runningMean === null;
  }

  #checkRank(x: Tensor): void {
    if (x instanceof Object && Array.isArray((x as Tensor).shape) && !this.ranks.includes((x as Tensor).shape.length)) {
      throw new ShapeError(`${this.label}: x must have ${this.ranks.join(' or ')} dimensions, got shape ${fmtShape(x.shape)}`);
    }
  }

  forward(x: Tensor): Tensor {
    this.checkAlive();
    this.#checkRank(x);
    this.releaseCache();
    const training = this.usesBatchStats;
    const { y, saved } = this.backend.batchNorm(x, this.bnState, { training, momentum: this.#momentum, eps: this.eps });
    this.#input = x;
    this.#saved = saved;
    this.#forwardTraining = training;
    return y;
  }

  backward(dy: Tensor): Tensor {
    this.checkAlive();
    const x = needInput(this.#input, this.label);
    const affine = this.bnState.weight !== null;
    const g = this.backend.batchNormBackward(x, dy, this.bnState, this.#saved,
      { training: this.#forwardTraining, eps: this.eps, needs: { dx: true, dweight: affine, dbias: affine } });
    this.releaseCache();
    if (affine) this.accumulateGrads({ weight: g.dweight as Tensor, bias: g.dbias as Tensor });
    return g.dx as Tensor;
  }

  protected override releaseCache(): void {
    this.#saved?.dispose();
    this.#saved = null;
    this.#input = null;
  }
}

/** BatchNorm over (N, C) or (N, C, L). */
export class BatchNorm1d extends BatchNorm {
  protected readonly ranks = [2, 3];
}

/** BatchNorm over (N, C, H, W). */
export class BatchNorm2d extends BatchNorm {
  protected readonly ranks = [4];
}
