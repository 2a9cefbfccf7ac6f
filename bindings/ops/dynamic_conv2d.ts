/**
 * The dynamic-convolution op group (spec /work/shared/spec/DCD.md §2): DY-Conv (softmax attention with
 * temperature) and CondConv (sigmoid routing) over K static kernels, forward and backward, plus the
 * checks both backends share so they reject the same inputs with the same typed errors.
 *
 * The layer's tensors are passed as a record keyed by PyTorch state_dict names:
 *   weight (K, Cout, Cin/groups, kh, kw)      bias (K, Cout)             — bias optional
 *   softmax: attention.fc1.{weight (hidden, Cin), bias (hidden)}, attention.fc2.{weight (K, hidden), bias (K)}
 *   sigmoid: routing.{weight (K, Cin), bias (K)}
 * K, Cout, hidden and the kernel size are read from these shapes.
 */
import { OptionError, ShapeError, StateDictError } from '../errors';
import type { Tensor } from '../tensor';
import { describe, expectIntermediateFits, expectOptions, expectTensor, fmtShape } from './checks';
import type { Conv2dParams } from './conv2d_params';
import { type Conv2dGeometry, resolveConv2d } from './conv2d_options';

/** How the K kernels are mixed: 'softmax' attention with temperature (DY-Conv) or 'sigmoid' routing (CondConv). */
export type DynamicConvMode = 'softmax' | 'sigmoid';

/** The layer's tensors by PyTorch state_dict name: weight (K, Cout, Cin/groups, kh, kw), optional bias (K, Cout), and the attention (softmax: attention.fc1/fc2) or routing (sigmoid) weights and biases. */
export type DynamicConv2dState = Readonly<Record<string, Tensor>>;

export interface DynamicConv2dOptions extends Conv2dGeometry {
  /** 'softmax' (DY-Conv, default) or 'sigmoid' (CondConv). */
  mode?: DynamicConvMode;
  /** Softmax temperature τ > 0 (DY-Conv only, required there): π = softmax(z / τ). */
  temperature?: number;
}

/** What dynamicConv2dBackward returns: new tensors owned by the caller. */
export interface DynamicConv2dGrads {
  /** Gradient with respect to x, shaped like x. */
  dx: Tensor;
  /** Gradient of every tensor of the state, keyed by its state_dict name, shaped like it. */
  params: Record<string, Tensor>;
}

/** The dynamic-convolution op group: DY-Conv and CondConv over K static kernels, forward and backward. */
export interface DynamicConv2dOps {
  /** y = conv2d(x, Σ_k π_k(x) W_k, Σ_k π_k(x) b_k) per sample; x (N, Cin, H, W) → (N, Cout, OH, OW). */
  dynamicConv2d(x: Tensor, state: DynamicConv2dState, options: DynamicConv2dOptions): Tensor;
  /** The attention π (N, K) the forward pass uses. */
  dynamicConv2dAttention(x: Tensor, state: DynamicConv2dState, options: DynamicConv2dOptions): Tensor;
  /** Gradients of x and of every state tensor for upstream dy (recomputes the attention). */
  dynamicConv2dBackward(x: Tensor, state: DynamicConv2dState, dy: Tensor, options: DynamicConv2dOptions): DynamicConv2dGrads;
}

/** Everything a backend needs to run one call, resolved from shapes + options. */
export interface DynamicConv2dPlan {
  /** The conv descriptor of the WHOLE batch (n = N); kernels run it per sample with n = 1. */
  conv: Conv2dParams;
  mode: DynamicConvMode;
  kernels: number;          // K
  hidden: number;           // attention width (softmax); 0 for sigmoid
  temperature: number;      // 1 for sigmoid (unused)
  hasBias: boolean;
}

export const DYNAMIC_CONV2D_OPTION_KEYS = ['mode', 'temperature', 'stride', 'padding', 'dilation', 'groups'] as const;

const OP = 'dynamicConv2d';

/** State_dict names of the attention branch for a mode. */
export function attentionTensorNames(mode: DynamicConvMode): string[] {
  return mode === 'softmax'
    ? ['attention.fc1.weight', 'attention.fc1.bias', 'attention.fc2.weight', 'attention.fc2.bias']
    : ['routing.weight', 'routing.bias'];
}

/** Every state_dict name of a layer, in PyTorch's registration order. */
export function dynamicConv2dTensorNames(mode: DynamicConvMode, hasBias: boolean): string[] {
  return ['weight', ...(hasBias ? ['bias'] : []), ...attentionTensorNames(mode)];
}

/** Expected shape of each state tensor (K, Cout, … known). */
export function dynamicConv2dTensorShapes(
  mode: DynamicConvMode, k: number, cout: number, cinPerGroup: number, kh: number, kw: number, cin: number, hidden: number,
): Record<string, number[]> {
  const shapes: Record<string, number[]> = { weight: [k, cout, cinPerGroup, kh, kw], bias: [k, cout] };
  if (mode === 'softmax') {
    Object.assign(shapes, {
      'attention.fc1.weight': [hidden, cin], 'attention.fc1.bias': [hidden],
      'attention.fc2.weight': [k, hidden], 'attention.fc2.bias': [k],
    });
  } else {
    Object.assign(shapes, { 'routing.weight': [k, cin], 'routing.bias': [k] });
  }
  return shapes;
}

function parseMode(value: unknown): DynamicConvMode {
  if (value === undefined) return 'softmax';
  if (value !== 'softmax' && value !== 'sigmoid') {
    throw new OptionError(`${OP}: mode must be 'softmax' (DY-Conv) or 'sigmoid' (CondConv), got ${describe(value)}`);
  }
  return value;
}

/** τ must be a finite number > 0. */
export function checkTemperature(op: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new OptionError(`${op}: temperature must be a finite number > 0, got ${String(value)}`);
  }
  return value;
}

function stateTensor(state: DynamicConv2dState, name: string, backend: object): Tensor {
  const t = state[name];
  if (t === undefined) throw new StateDictError(`${OP}: the state has no tensor '${name}'`);
  return expectTensor(t, OP, `'${name}'`, backend);
}

/**
 * Validates x, the state and the options; returns the plan. Throws OptionError (mode, τ, geometry),
 * StateDictError (missing / unexpected tensor) or ShapeError (shapes that disagree), naming the culprit.
 */
export function resolveDynamicConv2d(x: unknown, state: unknown, options: unknown, backend: object): DynamicConv2dPlan {
  const o = expectOptions<DynamicConv2dOptions>(options, OP, DYNAMIC_CONV2D_OPTION_KEYS);
  const mode = parseMode(o.mode);
  let temperature = 1;
  if (mode === 'softmax') {
    if (o.temperature === undefined) throw new OptionError(`${OP}: temperature is required when mode is 'softmax'`);
    temperature = checkTemperature(OP, o.temperature);
  } else if (o.temperature !== undefined) {
    throw new OptionError(`${OP}: temperature only applies to mode 'softmax', but mode is 'sigmoid'`);
  }
  const xt = expectTensor(x, OP, 'x', backend);
  if (state === null || typeof state !== 'object') throw new StateDictError(`${OP}: state must be an object of tensors by state_dict name`);
  const st = state as DynamicConv2dState;
  const hasBias = st.bias !== undefined;
  const allowed = dynamicConv2dTensorNames(mode, hasBias);
  const extra = Object.keys(st).find((name) => !allowed.includes(name));
  if (extra !== undefined) {
    throw new StateDictError(`${OP}: unexpected tensor '${extra}' in the state for mode '${mode}' (expected: ${allowed.join(', ')})`);
  }
  const weight = stateTensor(st, 'weight', backend);
  const ws = weight.shape;
  if (ws.length !== 5) {
    throw new ShapeError(`${OP}: weight must have 5 dimensions (K, Cout, Cin/groups, kh, kw), got ${fmtShape(ws)}`);
  }
  if (ws[0] < 1) throw new ShapeError(`${OP}: the number of kernels K must be >= 1, but weight has shape ${fmtShape(ws)}`);
  const { stride, padding, dilation, groups } = o;
  const conv = resolveConv2d(OP, xt.shape, ws.slice(1), { stride, padding, dilation, groups });
  const k = ws[0];
  const hidden = mode === 'softmax' ? stateTensor(st, 'attention.fc1.weight', backend).shape[0] ?? 0 : 0;
  const shapes = dynamicConv2dTensorShapes(mode, k, conv.k, conv.c / conv.groups, conv.kh, conv.kw, conv.c, hidden);
  for (const name of allowed) {
    const t = stateTensor(st, name, backend);
    const want = shapes[name];
    if (t.shape.length !== want.length || t.shape.some((d, i) => d !== want[i])) {
      throw new ShapeError(`${OP}: '${name}' must have shape ${fmtShape(want)} (K=${k}, Cout=${conv.k}, Cin=${conv.c}` +
        `${mode === 'softmax' ? `, hidden=${hidden}` : ''}), got ${fmtShape(t.shape)}`);
    }
  }
  expectIntermediateFits(OP, 'attention hidden layer (N × hidden)', conv.n * hidden);
  expectIntermediateFits(OP, 'attention (N × K)', conv.n * k);
  if (mode === 'softmax' && hidden < 1) throw new ShapeError(`${OP}: 'attention.fc1.weight' must have at least 1 row (hidden >= 1)`);
  return { conv, mode, kernels: k, hidden, temperature, hasBias };
}

/** dy must have the forward output's shape (N, Cout, OH, OW). */
export function checkDynamicConv2dGradOutput(plan: DynamicConv2dPlan, dy: unknown, backend: object): Tensor {
  const t = expectTensor(dy, OP, 'dy', backend);
  const { n, k, oh, ow } = plan.conv;
  const want = [n, k, oh, ow];
  if (t.shape.length !== 4 || t.shape.some((d, i) => d !== want[i])) {
    throw new ShapeError(`${OP}: dy must have the output's shape ${fmtShape(want)} (N, Cout, OH, OW), got ${fmtShape(t.shape)}`);
  }
  return t;
}
