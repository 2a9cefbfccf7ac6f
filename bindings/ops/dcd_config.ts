/**
 * DCD layer configuration and the reference modules' size rules (docs: /work/shared/spec/DCD.md §3).
 * `resolveDcdConfig` turns what a user writes into a fully resolved `DcdDims`, the one value both
 * backends and the layers work from. The rules are kept exactly as the official PyTorch code computes
 * them, because pretrained weights depend on L and S.
 */
import { OptionError } from '../errors';
import { describe, expectInt, expectOptions } from './checks';

/** Which module of the official DCD code a layer reproduces: conv_dy (k×k, ResNet bottlenecks), conv_basic_dy (3×3 pad 1, ResNet basic blocks), DYModule (1×1, MobileNetV2 pointwise convs) or DYCls (the classifier head, on vectors). */
export type DcdKind = 'conv_dy' | 'conv_basic_dy' | 'DYModule' | 'DYCls';
/** Which parts of the DCD layer exist: both (full), only the channel scaling Λ (lambda-only), or only the dynamic residual P·Φ·Qᵀ (phi-only). */
export type DcdVariant = 'full' | 'lambda-only' | 'phi-only';

/** What a user writes. Fields not listed for a kind are rejected (e.g. kernelSize for DYModule). */
export interface DcdConfig {
  /** Which reference module the layer reproduces. */
  kind: DcdKind;
  /** Input channels (features for DYCls), integer ≥ 1. */
  inChannels: number;
  /** Output channels (features for DYCls), integer ≥ 1. */
  outChannels: number;
  /** conv_dy only (conv_basic_dy is 3×3/pad 1, DYModule 1×1/stride 1). */
  kernelSize?: number;
  /** conv_dy and conv_basic_dy. Default 1. */
  stride?: number;
  /** conv_dy only. Default 0. Must keep conv(x, W0) and q(x) the same size: 2·padding = kernelSize − 1. */
  padding?: number;
  /** DYModule only: the `fc_squeeze` constructor argument. Default 8. */
  fcSqueeze?: number;
  // ---- paper options, off by default ----
  /** Latent size L: a number, or 'paper' for ⌊Cin / 2^⌊log2 √Cin⌋⌋. S is then re-derived from L by the kind's rule. */
  latent?: number | 'paper';
  /** Explicit S (width of fc.0), overriding the kind's rule. */
  squeeze?: number;
  /** 1 (default): q is 1×1 (stride of the layer, padding 0); 'k': q is k×k with the layer's stride and padding. */
  qKernel?: 1 | 'k';
  /** Sparse dynamic residual: B blocks, each with its own Q_b, Φ_b, P_b (B divides Cin, Cout and L). Default 1. */
  blocks?: number;
  /** 'lambda-only' drops P·Φ·Qᵀ; 'phi-only' drops Λ (λ ≡ 1). Default 'full'. */
  variant?: DcdVariant;
}

/** Fully resolved geometry and sizes of one DCD layer. Plain data: safe to share and compare. */
export interface DcdDims {
  /** Which reference module the layer reproduces. */
  kind: DcdKind;
  /** Input channels Cin. */
  cin: number;
  /** Output channels Cout. */
  cout: number;
  /** Static kernel size k (1 for DYModule; unused for DYCls). */
  k: number;
  /** Stride of the static conv (1 for DYModule and DYCls). */
  stride: number;
  /** Padding of the static conv. */
  padding: number;
  /** Adaptive-average-pool output side: 1 (g has Cin values) or 2 (4·Cin values); 1 for DYCls (g = x). */
  pool: 1 | 2;
  /** Latent size L (Φ is L×L). */
  latent: number;
  /** Width S of the fc.0 layer. */
  squeeze: number;
  /** Kernel size of q: 1 or k. */
  qk: number;
  /** Number B of blocks of the sparse dynamic residual (1: dense). */
  blocks: number;
  /** Which parts of the layer exist. */
  variant: DcdVariant;
  /** True when λ scales the static path (variant ≠ 'phi-only'). */
  hasLambda: boolean;
  /** True when the dynamic residual P·Φ·Qᵀ exists (variant ≠ 'lambda-only'). */
  hasResidual: boolean;
}

const KINDS: readonly DcdKind[] = ['conv_dy', 'conv_basic_dy', 'DYModule', 'DYCls'];
const VARIANTS: readonly DcdVariant[] = ['full', 'lambda-only', 'phi-only'];
const COMMON_KEYS = ['kind', 'inChannels', 'outChannels', 'latent', 'squeeze', 'variant'] as const;
const KEYS_BY_KIND: Record<DcdKind, readonly string[]> = {
  conv_dy: [...COMMON_KEYS, 'kernelSize', 'stride', 'padding', 'qKernel', 'blocks'],
  conv_basic_dy: [...COMMON_KEYS, 'stride', 'qKernel', 'blocks'],
  DYModule: [...COMMON_KEYS, 'fcSqueeze', 'blocks'],
  DYCls: [...COMMON_KEYS],
};

// ---------------------------------------------------------------- size rules (spec §3 table)

/** ⌊√n⌋ as Python's int(math.sqrt(n)) computes it (double sqrt, truncated). */
const isqrt = (n: number): number => Math.floor(Math.sqrt(n));

/** The paper's default L = ⌊C / 2^⌊log2 √C⌋⌋; 2^e ≤ √C ⇔ 4^e ≤ C, so no floating-point log is needed. */
export function paperLatent(c: number): number {
  let e = 0;
  while (4 ** (e + 1) <= c) e++;
  return Math.floor(c / 2 ** e);
}

/** conv_dy: L = ⌊√Cin⌋; S = max(Cin, L²) // 16 (never clamped: S may be 0). */
export function convDyDims(cin: number): { latent: number; squeeze: number } {
  const latent = isqrt(cin);
  return { latent, squeeze: convDySqueeze(cin, latent) };
}
const convDySqueeze = (cin: number, latent: number): number => Math.floor(Math.max(cin, latent * latent) / 16);

/** conv_basic_dy: L = ⌊√(4·Cin)⌋; S = max(4·Cin, L²) // 16, at least 4. */
export function convBasicDyDims(cin: number): { latent: number; squeeze: number } {
  const latent = isqrt(4 * cin);
  return { latent, squeeze: convBasicDySqueeze(cin, latent) };
}
const convBasicDySqueeze = (cin: number, latent: number): number =>
  Math.max(4, Math.floor(Math.max(4 * cin, latent * latent) / 16));

/** DYModule's pooling: Cin < Cout → pool 2 (mul 4, r = 8), else pool 1 (mul 1, r = 2). */
function dyModulePool(cin: number, cout: number): { pool: 1 | 2; mul: number; reduction: number } {
  return cin < cout ? { pool: 2, mul: 4, reduction: 8 } : { pool: 1, mul: 1, reduction: 2 };
}

/** DYModule: L = min(Cin·mul // r, Cout // r), doubling r while L² > 2·Cin·mul; L ≥ 4; S = max(Cin·mul, L²) // fcSqueeze, ≥ 4. */
export function dyModuleDims(cin: number, cout: number, fcSqueeze = 8): { pool: 1 | 2; latent: number; squeeze: number } {
  const { pool, mul } = dyModulePool(cin, cout);
  let { reduction } = dyModulePool(cin, cout);
  let latent = Math.min(Math.floor((cin * mul) / reduction), Math.floor(cout / reduction));
  while (latent * latent > cin * mul * 2) {
    reduction *= 2;
    latent = Math.min(Math.floor((cin * mul) / reduction), Math.floor(cout / reduction));
  }
  if (latent < 4) latent = 4;
  return { pool, latent, squeeze: dyModuleSqueeze(cin, cout, latent, fcSqueeze) };
}
function dyModuleSqueeze(cin: number, cout: number, latent: number, fcSqueeze: number): number {
  const { mul } = dyModulePool(cin, cout);
  return Math.max(4, Math.floor(Math.max(cin * mul, latent * latent) / fcSqueeze));
}

/** DYCls: L = S = 32 whatever the width. */
export const DYCLS_DIM = 32;

// ---------------------------------------------------------------- resolution + validation

function fail(message: string): never {
  throw new OptionError(`dcd: ${message}`);
}

/** Validates a user config and applies the kind's rules and the paper options. Throws OptionError. */
export function resolveDcdConfig(config: DcdConfig): DcdDims {
  if (config === null || typeof config !== 'object') fail(`config must be an object, got ${describe(config)}`);
  const kind = config.kind;
  if (!KINDS.includes(kind)) fail(`kind must be one of ${KINDS.join(', ')}, got ${describe(kind)}`);
  const op = `dcd (${kind})`;
  expectOptions<DcdConfig>(config, op, KEYS_BY_KIND[kind]);
  const cin = expectInt(config.inChannels, op, 'inChannels', 1);
  const cout = expectInt(config.outChannels, op, 'outChannels', 1);
  const variant = config.variant ?? 'full';
  if (!VARIANTS.includes(variant)) fail(`${kind}: variant must be one of ${VARIANTS.join(', ')}, got ${describe(variant)}`);

  let k = 1, stride = 1, padding = 0, pool: 1 | 2 = 1, latent: number, squeeze: number;
  let squeezeFor: (l: number) => number;
  switch (kind) {
    case 'conv_dy':
      k = expectInt(config.kernelSize, op, 'kernelSize', 1);
      stride = config.stride === undefined ? 1 : expectInt(config.stride, op, 'stride', 1);
      padding = config.padding === undefined ? 0 : expectInt(config.padding, op, 'padding', 0);
      if (2 * padding !== k - 1) {
        fail(`conv_dy: padding must be (kernelSize − 1) / 2 so that conv(x, W0) and q(x) have the same size; ` +
          `got kernelSize ${k}, padding ${padding}`);
      }
      ({ latent, squeeze } = convDyDims(cin));
      squeezeFor = (l) => convDySqueeze(cin, l);
      break;
    case 'conv_basic_dy':
      k = 3; padding = 1; pool = 2;
      stride = config.stride === undefined ? 1 : expectInt(config.stride, op, 'stride', 1);
      ({ latent, squeeze } = convBasicDyDims(cin));
      squeezeFor = (l) => convBasicDySqueeze(cin, l);
      break;
    case 'DYModule': {
      const fcSqueeze = config.fcSqueeze === undefined ? 8 : expectInt(config.fcSqueeze, op, 'fcSqueeze', 1);
      ({ pool, latent, squeeze } = dyModuleDims(cin, cout, fcSqueeze));
      squeezeFor = (l) => dyModuleSqueeze(cin, cout, l, fcSqueeze);
      break;
    }
    case 'DYCls':
      latent = DYCLS_DIM; squeeze = DYCLS_DIM;
      squeezeFor = () => DYCLS_DIM;
      break;
  }
  if (config.latent !== undefined) {
    latent = config.latent === 'paper' ? paperLatent(cin) : expectInt(config.latent, op, 'latent', 1);
    squeeze = squeezeFor(latent);
  }
  if (config.squeeze !== undefined) squeeze = expectInt(config.squeeze, op, 'squeeze', 0);

  const qKernel = config.qKernel ?? 1;
  if (qKernel !== 1 && qKernel !== 'k') fail(`${kind}: qKernel must be 1 or 'k', got ${describe(qKernel)}`);
  const qk = qKernel === 'k' ? k : 1;
  const blocks = config.blocks === undefined ? 1 : expectInt(config.blocks, op, 'blocks', 1);
  for (const [what, n] of [['inChannels', cin], ['outChannels', cout], ['latent size L', latent]] as const) {
    if (n % blocks !== 0) fail(`${kind}: blocks (${blocks}) must divide ${what} (${n})`);
  }
  // Frozen: ops check dims once per object (checkDcdDims) and rely on them not changing afterwards.
  return Object.freeze({
    kind, cin, cout, k, stride, padding, pool, latent, squeeze, qk, blocks, variant,
    hasLambda: variant !== 'phi-only',
    hasResidual: variant !== 'lambda-only',
  });
}
