/**
 * The graph an inference plan is built from: values (activations, with shapes) and the steps that make
 * them, in execution order. Lowering (lower.ts) appends steps module by module; the folds happen as it
 * goes, peephole style, while the value being folded has no other reader yet:
 *   conv → BatchNorm        the BN's affine goes into the conv's weights and bias
 *   conv → ReLU / ReLU6     the activation goes into the conv's output write
 *   conv + shortcut (+ReLU) the add goes into the conv's output write (the shortcut is the residual)
 * A folded-away value is marked dead; reading it later is a bug in a lowering (PlanError).
 */
import { PlanError } from '../errors';
import type { Conv2dGeometry } from '../ops/conv2d_options';
import type { Module } from '../nn/module';
import { dcdModuleNames, type DcdDims } from '../ops/dcd';

export type PlanActivation = 'relu' | 'relu6';

export interface Value {
  readonly id: number;
  readonly shape: readonly number[];
  readonly size: number;
  /** Index of the step that writes it (-1: the plan's input). */
  readonly producer: number;
  /** Steps that read it so far. */
  readers: number;
  /** Folded into its reader: nothing may read it any more. */
  dead: boolean;
}

/** A convolution with everything folded into it so far (weights are the plan's own copies). */
export interface ConvStep {
  readonly kind: 'conv';
  readonly label: string;
  readonly x: Value;
  out: Value;
  weight: Float32Array;
  readonly weightShape: readonly number[];
  bias: Float32Array | null;
  readonly geometry: Conv2dGeometry;
  activation: PlanActivation | null;
  residual: Value | null;
  /** What was folded in, for describe(). */
  readonly folded: string[];
}

/**
 * A DCD layer (eval): its dynamic parts stay per sample (dcdForward); what follows it folds in — a
 * BatchNorm's scale into W0, b0 and P (the rows of every output channel), its shift into postBias,
 * then the residual add and the activation into the layer's output write.
 */
export interface DcdStep {
  readonly kind: 'dcd';
  readonly label: string;
  readonly x: Value;
  out: Value;
  readonly dims: DcdDims;
  /** The plan's own copy of the layer's state (state_dict names). */
  readonly state: Record<string, { data: Float32Array; shape: readonly number[] }>;
  postBias: Float32Array | null;
  activation: PlanActivation | null;
  residual: Value | null;
  readonly folded: string[];
}

/** y = x·Wᵀ + b (the classifier), on the plan's own copy of the weights. */
export interface LinearStep {
  readonly kind: 'linear';
  readonly label: string;
  readonly x: Value;
  readonly out: Value;
  readonly weight: Float32Array;
  readonly weightShape: readonly number[];
  readonly bias: Float32Array | null;
}

/** The sum of two values (+ ReLU), when it could not go into a conv. */
export interface AddStep {
  readonly kind: 'add';
  readonly label: string;
  readonly a: Value;
  readonly b: Value;
  readonly relu: boolean;
  readonly out: Value;
}

/** A different shape over the same floats (Flatten): no work, the output shares the input's memory. */
export interface ReshapeStep {
  readonly kind: 'reshape';
  readonly label: string;
  readonly x: Value;
  readonly out: Value;
}

/**
 * Modules run as they are (their own forward, allocating as the layer-by-layer path does), one after
 * another, the last output copied into the plan's memory: what has no fused form yet (pools, the
 * dynamic layers' per-sample parts, a BatchNorm that follows no conv).
 */
export interface EagerStep {
  readonly kind: 'eager';
  readonly label: string;
  readonly x: Value;
  out: Value;
  readonly modules: Module[];
}

export type Step = ConvStep | DcdStep | LinearStep | AddStep | ReshapeStep | EagerStep;
type FusingStep = ConvStep | DcdStep;

export class PlanGraph {
  readonly values: Value[] = [];
  readonly steps: Step[] = [];
  readonly input: Value;

  constructor(inputShape: readonly number[]) {
    this.input = this.#value(inputShape, -1);
  }

  #value(shape: readonly number[], producer: number): Value {
    const v: Value = { id: this.values.length, shape: Object.freeze(shape.slice()), size: shape.reduce((a, b) => a * b, 1), producer, readers: 0, dead: false };
    this.values.push(v);
    return v;
  }

  #read(v: Value, by: string): Value {
    if (v.dead) throw new PlanError(`${by}: reads a value that was folded into another step (a lowering bug)`);
    v.readers++;
    return v;
  }

  /** The step that writes v, when it is a conv or DCD layer nobody else has read (so folding into it is safe). */
  #soleConvProducer(v: Value): FusingStep | null {
    const step = v.producer >= 0 ? this.steps[v.producer] : null;
    return (step?.kind === 'conv' || step?.kind === 'dcd') && v.readers === 0 && !v.dead ? step : null;
  }

  /** Moves a fused step's output to a fresh value (the old one is dead: it no longer exists). */
  #rewrite(step: FusingStep): Value {
    step.out.dead = true;
    step.out = this.#value(step.out.shape, step.out.producer); // the same step writes it
    return step.out;
  }

  conv(x: Value, label: string, weight: Float32Array, weightShape: readonly number[], bias: Float32Array | null,
    geometry: Conv2dGeometry, outShape: readonly number[]): Value {
    this.#read(x, label);
    const out = this.#value(outShape, this.steps.length);
    this.steps.push({ kind: 'conv', label, x, out, weight, weightShape, bias, geometry, activation: null, residual: null, folded: [] });
    return out;
  }

  linear(x: Value, label: string, weight: Float32Array, weightShape: readonly number[], bias: Float32Array | null): Value {
    this.#read(x, label);
    const out = this.#value([x.shape[0], weightShape[0]], this.steps.length);
    this.steps.push({ kind: 'linear', label, x, out, weight, weightShape, bias });
    return out;
  }

  dcd(x: Value, label: string, dims: DcdDims, state: DcdStep['state'], outShape: readonly number[]): Value {
    this.#read(x, label);
    const out = this.#value(outShape, this.steps.length);
    this.steps.push({ kind: 'dcd', label, x, out, dims, state, postBias: null, activation: null, residual: null, folded: [] });
    return out;
  }

  /** y = scale·x + shift per channel (an eval-mode BatchNorm); folded into the conv that made x, or null when it can't be. */
  foldAffine(x: Value, label: string, scale: Float64Array, shift: Float64Array): Value | null {
    const producer = this.#soleConvProducer(x);
    if (!producer || producer.activation || producer.residual) return null;
    if (producer.kind === 'dcd') {
      if (producer.postBias) return null;
      const names = dcdModuleNames(producer.dims.kind);
      for (const name of [`${names.static}.weight`, `${names.static}.bias`, `${names.p}.weight`]) {
        const t = producer.state[name];
        if (t) scaleRows(t.data, scale);
      }
      producer.postBias = Float32Array.from(shift);
      producer.folded.push(label);
      return this.#rewrite(producer);
    }
    const conv = producer;
    const cout = conv.weightShape[0];
    scaleRows(conv.weight, scale);
    const bias = new Float32Array(cout);
    for (let o = 0; o < cout; o++) bias[o] = (conv.bias ? conv.bias[o] : 0) * scale[o] + shift[o];
    conv.bias = bias;
    conv.folded.push(label);
    return this.#rewrite(conv);
  }

  /** ReLU / ReLU6 folded into the conv that made x, or null. */
  foldActivation(x: Value, label: string, activation: PlanActivation): Value | null {
    const conv = this.#soleConvProducer(x);
    if (!conv || conv.activation) return null;
    conv.activation = activation;
    conv.folded.push(label);
    return this.#rewrite(conv);
  }

  /**
   * main + shortcut (then ReLU): into the conv that made `main` when the shortcut is ready before that
   * conv runs; else a separate add step.
   */
  add(main: Value, shortcut: Value, relu: boolean, label: string): Value {
    const conv = this.#soleConvProducer(main);
    if (conv && !conv.activation && !conv.residual && shortcut.producer < main.producer && !shortcut.dead) {
      this.#read(shortcut, label);
      conv.residual = shortcut;
      if (relu) conv.activation = 'relu';
      conv.folded.push(label);
      return this.#rewrite(conv);
    }
    this.#read(main, label);
    this.#read(shortcut, label);
    const out = this.#value(main.shape, this.steps.length);
    this.steps.push({ kind: 'add', label, a: main, b: shortcut, relu, out });
    return out;
  }

  /**
   * A read that is still to come (a block's identity shortcut, added after its main path): until
   * then nothing may fold x away into the step that made it.
   */
  hold(x: Value): Value {
    if (x.dead) throw new PlanError('a value that was folded into another step cannot be held (a lowering bug)');
    x.readers++;
    return x;
  }

  reshape(x: Value, shape: readonly number[], label: string): Value {
    this.#read(x, label);
    const out = this.#value(shape, this.steps.length);
    this.steps.push({ kind: 'reshape', label, x, out });
    return out;
  }

  /** Runs a module as it is; consecutive eager modules share one step (one copy into the plan's memory). */
  eager(x: Value, module: Module, outShape: readonly number[], label: string): Value {
    const chained = this.chainEager(x, module, outShape);
    if (chained) return chained;
    this.#read(x, label);
    const out = this.#value(outShape, this.steps.length);
    this.steps.push({ kind: 'eager', label, x, out, modules: [module] });
    return out;
  }

  /** Appends a module to the eager step that made x, when nothing else reads x; else null. */
  chainEager(x: Value, module: Module, outShape: readonly number[]): Value | null {
    const prev = x.producer >= 0 ? this.steps[x.producer] : null;
    if (prev?.kind !== 'eager' || prev.out !== x || x.readers !== 0) return null;
    prev.modules.push(module);
    x.dead = true;
    prev.out = this.#value(outShape, x.producer);
    return prev.out;
  }
}

/** Row o (output channel o: dim 0) of a weight times scale[o], in place. */
function scaleRows(w: Float32Array, scale: Float64Array): void {
  const per = w.length / scale.length;
  for (let o = 0; o < scale.length; o++) {
    for (let i = o * per; i < (o + 1) * per; i++) w[i] *= scale[o];
  }
}
