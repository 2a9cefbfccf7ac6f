/**
 * An inference plan: a model in eval mode, compiled once for one input shape into a list of steps
 * over pre-planned memory (XNNPACK's create / setup / run split, applied to a whole network):
 *
 *   build   fold BatchNorm, ReLU / ReLU6 and residual adds into the convs (graph.ts), copy the folded
 *           weights, prepare every conv (validated, workspace allocated, weights packed), place every
 *           activation in one arena (memory.ts), so peak memory is known before the first image;
 *   run     copy the input in, call the prepared steps, hand the output back — no validation, no
 *           allocation and no dispose on the fused steps.
 *
 * The plan owns copies of the weights: training the model afterwards does not change it (build a new
 * plan), and the model may be disposed once the plan is built unless the plan runs some of its modules
 * as they are (describe() and stats.eagerSteps say which).
 */
import { OptionError, PlanError, ShapeError } from '../errors';
import { checkShape, fmtShape } from '../ops/checks';
import type { PreparedConv2d, Workspace } from '../ops/conv2d_prepared';
import { createWorkspace, prepareConv2d, prepareDcdForward } from '../backends/prepared';
import type { PreparedDcd } from '../ops/dcd_prepared';
import type { Module } from '../nn/module';
import type { NetBackend } from '../models/common';
import { Tensor } from '../tensor';
import { PlanGraph, type ConvStep, type DcdStep, type Step } from './graph';
import { lowerModule } from './lower';
import { planMemory } from './memory';

export interface InferencePlanOptions {
  /** The input shape the plan is built for, e.g. [1, 3, 224, 224] (batch N is its first dimension). */
  inputShape: readonly number[];
}

/** What a plan did with the model, and the memory it holds. */
export interface InferencePlanStats {
  /** Steps run per image batch (reshapes, which cost nothing, not counted). */
  steps: number;
  /** Convolutions, each with its folds in its output write. */
  convs: number;
  /** DCD layers (their dynamic parts per sample), each with its folds in its output write. */
  dcdLayers: number;
  /** BatchNorms folded into the preceding conv's or DCD layer's weights and bias. */
  foldedBatchNorms: number;
  /** ReLU / ReLU6 applied in a conv's or DCD layer's output write. */
  fusedActivations: number;
  /** Residual adds applied in a conv's or DCD layer's output write. */
  fusedResiduals: number;
  /** Steps that run modules as they are (allocating, as the layer-by-layer path): pools, DY-Conv layers, unfused adds. */
  eagerSteps: number;
  /** The activation arena, bytes (every intermediate result lives in it). */
  arenaBytes: number;
  /** The largest single activation, bytes. */
  largestActivationBytes: number;
  /** The plan's own (folded) weights and biases, bytes: the prepared convs' blocks (weights — packed where the
   *  kernel packs them — bias, descriptor), the DCD layers' state and the classifier. */
  weightBytes: number;
  /** The scratch all prepared convs share (they run one after another): the largest one's, bytes. */
  workspaceBytes: number;
}

/** One step of a plan's profile: what ran, and its median time per run. */
export interface InferenceStepProfile {
  /** The step as describe() names it: the conv / DCD layer with what is folded into it, or the eager module. */
  label: string;
  /** What runs: a prepared conv, a prepared DCD layer, the classifier, an unfused add, or modules run as they are. */
  kind: 'conv' | 'dcd' | 'linear' | 'add' | 'eager';
  /** Median wall time of the step over the profile's runs, milliseconds. */
  ms: number;
}

export interface InferenceProfile {
  /** Every step in run order. */
  steps: InferenceStepProfile[];
  /** Median wall time of a whole run (the steps plus copying the input in), milliseconds. */
  totalMs: number;
  /** The timed runs the medians are over. */
  runs: number;
}

export interface InferenceProfileOptions {
  /** Timed runs (after one untimed warm-up run); the medians are taken over them. Default 10. */
  runs?: number;
}

export interface InferenceRunOptions {
  /** Write the output here (length = product of outputShape) instead of returning the plan's own view. */
  out?: Float32Array;
}

/** A conv / DCD step's label with what is folded into it ("conv1: … + bn1: … + relu: ReLU"). */
const foldedLabel = (s: ConvStep | DcdStep): string => [s.label, ...s.folded].join(' + ');

/** Floats of a step's folded weights (the order steps are prepared in). */
const weightFloats = (s: ConvStep | DcdStep): number =>
  s.kind === 'conv' ? s.weight.length : Object.values(s.state).reduce((n, t) => n + t.data.length, 0);

/** Builds an inference plan of `model` (which must be in eval mode) for inputs of `options.inputShape`. */
export function planInference(model: Module, options: InferencePlanOptions): InferencePlan {
  return new InferencePlan(model, options);
}

export class InferencePlan {
  /** The input shape the plan was built for; run() takes exactly this many floats. */
  readonly inputShape: readonly number[];
  /** The output shape (e.g. [N, classes]); run() returns, or fills `out` with, this many floats. */
  readonly outputShape: readonly number[];
  /** What the plan folded and fused, and the memory it holds (known before the first run). */
  readonly stats: Readonly<InferencePlanStats>;
  readonly #m: NetBackend;
  readonly #graph: PlanGraph;
  readonly #run: (() => void)[] = [];
  /** The step each #run entry runs (reshapes have none). */
  readonly #runSteps: Step[] = [];
  readonly #owned: { dispose(): void }[] = [];
  readonly #input: Tensor;
  readonly #output: Tensor;
  readonly #offsets: Int32Array;
  #disposed = false;

  constructor(model: Module, options: InferencePlanOptions) {
    const op = 'planInference';
    if (model === null || typeof model !== 'object' || typeof (model as Module).namedModules !== 'function') {
      throw new OptionError(`${op}: model must be a Module`);
    }
    if (model.isDisposed) throw new OptionError(`${op}: the model has been disposed`);
    const training = model.namedModules().filter(([, m]) => m.training).map(([name]) => name || '(root)');
    if (training.length > 0) {
      throw new PlanError(`${op}: the model must be in eval mode (call model.eval() first); in training mode: ${training.slice(0, 3).join(', ')}` +
        `${training.length > 3 ? ', …' : ''}`);
    }
    if (options === null || typeof options !== 'object') throw new OptionError(`${op}: options must be an object with inputShape`);
    checkShape(options.inputShape, op);
    this.inputShape = Object.freeze(options.inputShape.slice());
    this.#m = model.backend as NetBackend;
    const m = this.#m;

    const g = new PlanGraph(this.inputShape);
    const out = lowerModule(g, model, g.input, '');
    this.#graph = g;
    this.outputShape = out.shape;
    const memory = planMemory(g.values, g.steps, g.input, out);
    this.#offsets = memory.offsets;

    let weightBytes = 0, arenaBytes = 0, workspace: Workspace | null = null;
    const own = <T extends { dispose(): void }>(t: T): T => { this.#owned.push(t); return t; };
    try {
      // Everything the plan allocates is owned as soon as it exists: a failure part-way (OutOfMemoryError)
      // frees what was made before it.
      const arena = own(m.createArena(memory.floats));
      arenaBytes = arena.bytes;
      workspace = own(createWorkspace());
      const views = new Map<number, Tensor>();
      const view = (v: { id: number; shape: readonly number[] }): Tensor => {
        let t = views.get(v.id);
        if (!t) {
          const offset = memory.offsets[v.id];
          if (offset < 0) throw new PlanError(`${op}: value ${v.id} has no place in the arena (a planning bug)`);
          t = arena.view(offset, v.shape);
          views.set(v.id, t);
        }
        return t;
      };
      const constant = (data: Float32Array, shape: readonly number[]): Tensor => {
        weightBytes += data.byteLength;
        return own(m.keep(m.tensor(data, shape)));
      };
      this.#input = view(g.input);
      this.#output = view(out);
      // Convs and DCD layers are prepared largest weights first: each holds temporary tensors of its folded
      // weights while it copies (packs) them, so the build's peak is all weights + the SMALLEST one's, not
      // the largest's (measured: ResNet-18's 9.4 MB layer4 weights on top of 45 MB, in step order).
      const prepared = new Map<Step, PreparedConv2d | PreparedDcd>();
      const preparable = g.steps.filter((s): s is ConvStep | DcdStep => s.kind === 'conv' || s.kind === 'dcd')
        .sort((a, b) => weightFloats(b) - weightFloats(a));
      for (const s of preparable) {
        const op = own(s.kind === 'conv' ? this.#prepareConv(s, workspace as Workspace) : this.#prepareDcd(s, workspace as Workspace));
        weightBytes += op.bytes;
        prepared.set(s, op);
      }
      for (const s of g.steps) {
        const run = this.#compile(s, view, constant, prepared);
        if (run) {
          this.#run.push(run);
          this.#runSteps.push(s);
        }
      }
    } catch (e) {
      this.dispose();
      throw e;
    }

    const fusing = g.steps.filter((s) => s.kind === 'conv' || s.kind === 'dcd');
    this.stats = Object.freeze({
      steps: this.#run.length,
      convs: fusing.filter((s) => s.kind === 'conv').length,
      dcdLayers: fusing.filter((s) => s.kind === 'dcd').length,
      foldedBatchNorms: fusing.reduce((n, s) => n + s.folded.filter((f) => /BatchNorm/.test(f)).length, 0),
      fusedActivations: fusing.filter((s) => s.activation).length,
      fusedResiduals: fusing.filter((s) => s.residual).length,
      eagerSteps: g.steps.filter((s) => s.kind === 'eager' || s.kind === 'add').length,
      arenaBytes,
      largestActivationBytes: memory.largest * 4,
      weightBytes,
      workspaceBytes: (workspace as Workspace).bytes,
    });
  }

  /** prepareConv2d copies (or packs) the folded weights: the tensors handed to it are temporary. */
  #prepareConv(s: ConvStep, workspace: Workspace): PreparedConv2d {
    const m = this.#m;
    return m.scope(() => prepareConv2d(s.x.shape, m.tensor(s.weight, s.weightShape), {
      ...s.geometry, bias: s.bias ? m.tensor(s.bias, [s.bias.length]) : null, activation: s.activation,
      residual: s.residual !== null, workspace,
    }));
  }

  /** The DCD layer's folded state as temporary tensors, copied by the prepared layer (its dynamic parts run per sample). */
  #prepareDcd(s: DcdStep, workspace: Workspace): PreparedDcd {
    const m = this.#m;
    return m.scope(() => prepareDcdForward(s.dims,
      Object.fromEntries(Object.entries(s.state).map(([name, t]) => [name, m.tensor(t.data, t.shape)])), s.x.shape, {
        postBias: s.postBias ? m.tensor(s.postBias, [s.postBias.length]) : null, activation: s.activation,
        residual: s.residual !== null, workspace,
      }));
  }

  #compile(s: Step, view: (v: Step['out']) => Tensor, constant: (d: Float32Array, shape: readonly number[]) => Tensor,
    prepared: Map<Step, PreparedConv2d | PreparedDcd>): (() => void) | null {
    const m = this.#m;
    switch (s.kind) {
      case 'conv':
      case 'dcd': {
        const op = prepared.get(s) as PreparedConv2d | PreparedDcd;
        const x = view(s.x), out = view(s.out), residual = s.residual ? view(s.residual) : null;
        return () => op.run(x, out, residual);
      }
      case 'linear': {
        // The classifier: one small product per batch; the op's checks cost nothing next to the convs.
        const weight = constant(s.weight, s.weightShape);
        const bias = s.bias ? constant(s.bias, [s.bias.length]) : null;
        const x = view(s.x), out = view(s.out);
        return () => { m.linear(x, weight, { bias, out }); };
      }
      case 'add': {
        const a = view(s.a), b = view(s.b), out = view(s.out);
        return () => m.scope(() => { out.data.set(m.add(a, b, { relu: s.relu }).data); });
      }
      case 'reshape':
        return null; // the output shares the input's floats (memory.ts)
      case 'eager': {
        const x = view(s.x), out = view(s.out);
        const modules = s.modules;
        return () => m.scope(() => {
          let t = x;
          for (const module of modules) t = module.forward(t);
          out.data.set(t.data);
        });
      }
    }
  }

  /**
   * Runs the plan on one input batch (a Float32Array or a Tensor of inputShape). Returns the output:
   * `options.out` filled, or else a view of the plan's own memory, valid until the next run or any
   * allocation on this backend (copy it, or pass `out`, to keep it).
   */
  run(input: Float32Array | Tensor, options?: InferenceRunOptions): Float32Array {
    if (this.#disposed) throw new OptionError('InferencePlan.run: the plan has been disposed');
    const data = Tensor.isTensor(input) ? input.data : input;
    if (!(data instanceof Float32Array) || data.length !== this.#input.size) {
      throw new ShapeError(`InferencePlan.run: input must be a Float32Array or Tensor of ${this.#input.size} floats ` +
        `(shape ${fmtShape(this.inputShape)}), got ${data instanceof Float32Array ? `${data.length} floats` : typeof input}`);
    }
    const out = options?.out;
    if (out !== undefined && (!(out instanceof Float32Array) || out.length !== this.#output.size)) {
      throw new ShapeError(`InferencePlan.run: out must be a Float32Array of ${this.#output.size} floats (shape ${fmtShape(this.outputShape)})`);
    }
    this.#input.data.set(data);
    for (const step of this.#run) step();
    if (out) {
      out.set(this.#output.data);
      return out;
    }
    return this.#output.data;
  }

  /**
   * Where a run's time goes: runs the plan (one warm-up, then `options.runs` timed runs) with a clock
   * around every step, and returns each step's median wall time. The per-image path (run) has no clock
   * in it; this is its own loop over the same steps. With init({ threads }) a step's time includes the
   * hand-off to the other threads and waiting for them.
   */
  profile(input: Float32Array | Tensor, options?: InferenceProfileOptions): InferenceProfile {
    const runs = options?.runs ?? 10;
    if (!Number.isInteger(runs) || runs < 1 || runs > 10000) {
      throw new OptionError(`InferencePlan.profile: runs must be an integer from 1 to 10000, got ${String(runs)}`);
    }
    this.run(input); // validates the input, warms up; the timed runs below reuse the copied-in input
    const times = this.#run.map(() => new Float64Array(runs));
    const totals = new Float64Array(runs);
    const data = Tensor.isTensor(input) ? input.data : input;
    for (let r = 0; r < runs; r++) {
      const start = performance.now();
      this.#input.data.set(data);
      for (let i = 0; i < this.#run.length; i++) {
        const t0 = performance.now();
        this.#run[i]();
        times[i][r] = performance.now() - t0;
      }
      totals[r] = performance.now() - start;
    }
    const median = (a: Float64Array): number => {
      const s = a.slice().sort();
      return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    };
    return {
      steps: this.#runSteps.map((s, i) => ({
        label: s.kind === 'conv' || s.kind === 'dcd' ? foldedLabel(s) : s.label,
        kind: s.kind as InferenceStepProfile['kind'],
        ms: median(times[i]),
      })),
      totalMs: median(totals),
      runs,
    };
  }

  /** One line per step: what runs, with what folded into it, and where its output lives. */
  describe(): string {
    const lines = [`InferencePlan ${fmtShape(this.inputShape)} → ${fmtShape(this.outputShape)}: ${this.stats.steps} steps, ` +
      `arena ${(this.stats.arenaBytes / 1048576).toFixed(2)} MiB, weights ${(this.stats.weightBytes / 1048576).toFixed(2)} MiB`];
    for (const s of this.#graph.steps) {
      const where = `→ ${fmtShape(s.out.shape)} @${this.#offsets[s.out.id]}`;
      if (s.kind === 'conv' || s.kind === 'dcd') {
        lines.push(`  ${s.kind.padEnd(6)} ${foldedLabel(s)} ${where}`);
      } else if (s.kind === 'eager') {
        lines.push(`  eager  ${s.label}${s.modules.length > 1 ? ` (+${s.modules.length - 1} more: ${s.modules.slice(1).map((m) => m.label).join(', ')})` : ''} ${where}`);
      } else {
        lines.push(`  ${s.kind.padEnd(6)} ${s.label} ${where}`);
      }
    }
    return lines.join('\n');
  }

  /** Frees the plan's weights, prepared convs and arena. Disposing twice is harmless. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const o of this.#owned.reverse()) o.dispose();
    this.#owned.length = 0;
  }
}
