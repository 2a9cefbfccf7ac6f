/**
 * DynamicConv2d gradients by central finite differences, independent of PyTorch, on every backend:
 * for L = Σ y ⊙ g (fixed random g) the analytic ⟨∇L, v⟩ from layer.backward(g) / grads() is compared
 * with (L(θ + εv) − L(θ − εv)) / 2ε for x and for every parameter tensor on its own (weight, bias,
 * attention.fc1/fc2.{weight,bias} or routing.{weight,bias}), along a random v, along ∇L and along the
 * unit vector of ∇L's largest entry (tests/bindings/helpers/gradcheck.ts). ε = 1e-2·rms(θ),
 * tolerance 2e-3 of Σ|∇L ⊙ v| (measured float32 error is far below; see the worst-ratio test).
 * Negative controls prove the comparison fails for a 10%-wrong gradient.
 *
 * The only kink is the ReLU of attention.fc1 (softmax mode): the data seed of each case is the first
 * whose hidden pre-activations are all ≥ KINK_MARGIN away from 0, more than any perturbation here
 * moves them (≤ ~0.07), so the finite differences never straddle the kink.
 *
 * At τ = 30 the attention gradients are ~30× smaller than at τ = 1 while the float32 noise of L (set
 * by the convolution path) is not, so with ε = 1e-2·rms a 10% error in them would hide in the noise.
 * The attention branch is then nearly linear (logits / 30), so its tensors use ε = 0.1·rms, which
 * gives them the same resolution as the rest (every tensor must catch a 10% error, see
 * helpers/gradcheck.ts expectLayerGradients).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { init, type Backend } from '../../bindings/index';
import { DynamicConv2d, type DynamicConv2dLayerOptions } from '../../bindings/nn/dynamic_conv2d';
import { BACKENDS } from '../harness/backends';
import { seededRandom } from '../harness/numeric';
import { expectLayerGradients, expectLayerNegativeControls, layerProblem } from './helpers/gradcheck';

const KINK_MARGIN = 0.1;
const N = 2, H = 5, W = 5;

interface Case {
  name: string;
  options: DynamicConv2dLayerOptions;
}

const MODES: { name: string; mode: Pick<DynamicConv2dLayerOptions, 'mode' | 'temperature'> }[] = [
  { name: 'softmax τ=1', mode: { mode: 'softmax', temperature: 1 } },
  { name: 'softmax τ=30', mode: { mode: 'softmax', temperature: 30 } },
  { name: 'sigmoid', mode: { mode: 'sigmoid' } },
];
const GEOMETRIES: { name: string; geometry: Partial<DynamicConv2dLayerOptions> }[] = [
  { name: '3×3 pad 1', geometry: { kernelSize: [3, 3], padding: 1 } },
  { name: '1×1 stride 2', geometry: { kernelSize: [1, 1], stride: 2 } },
];
const GROUPS: { name: string; channels: Partial<DynamicConv2dLayerOptions> }[] = [
  { name: 'groups 1', channels: { inChannels: 4, outChannels: 6, groups: 1 } },
  { name: 'depthwise', channels: { inChannels: 4, outChannels: 4, groups: 4 } },
];

const CASES: Case[] = MODES.flatMap(({ name: mn, mode }) => GEOMETRIES.flatMap(({ name: gn, geometry }) =>
  GROUPS.map(({ name: cn, channels }): Case => ({
    name: `${mn}, ${gn}, ${cn}`,
    options: { kernels: 3, bias: true, seed: 5, ...channels, ...geometry, ...mode } as DynamicConv2dLayerOptions,
  }))));

/** x[n, c] = per-(n, c) offset + noise, so the attention sees samples that differ. */
function inputData(cin: number, rand: () => number): Float32Array {
  const x = new Float32Array(N * cin * H * W);
  for (let nc = 0; nc < N * cin; nc++) {
    const offset = rand();
    for (let i = 0; i < H * W; i++) x[nc * H * W + i] = offset + 0.5 * rand();
  }
  return x;
}

/** min |fc1 pre-activation| over the batch (softmax mode): the distance to the ReLU's kink. */
function reluMargin(sd: Record<string, { data: Float32Array }>, x: Float32Array, cin: number): number {
  const w1 = sd['attention.fc1.weight'].data, b1 = sd['attention.fc1.bias'].data;
  const hidden = b1.length;
  let margin = Infinity;
  for (let n = 0; n < N; n++) {
    const g = new Float64Array(cin);
    for (let c = 0; c < cin; c++) {
      for (let i = 0; i < H * W; i++) g[c] += x[(n * cin + c) * H * W + i];
      g[c] /= H * W;
    }
    for (let j = 0; j < hidden; j++) {
      let h = b1[j];
      for (let c = 0; c < cin; c++) h += w1[j * cin + c] * g[c];
      margin = Math.min(margin, Math.abs(h));
    }
  }
  return margin;
}

/** The first data seed whose input keeps every ReLU pre-activation KINK_MARGIN away from 0. */
function robustInput(layer: DynamicConv2d, cin: number): { x: Float32Array; seed: number } {
  const sd = layer.stateDict();
  for (let seed = 1; ; seed++) {
    const x = inputData(cin, seededRandom(seed));
    if (layer.mode !== 'softmax' || reluMargin(sd, x, cin) >= KINK_MARGIN) return { x, seed };
    if (seed > 100) throw new Error(`${layer.label}: no data seed keeps the ReLU pre-activations away from 0`);
  }
}

for (const backend of BACKENDS) {
  describe(`DynamicConv2d gradients vs finite differences [${backend}]`, () => {
    let m: Backend;
    beforeAll(async () => {
      m = await init({ backend });
      expect(m.info().backend).toBe(backend);
    });

    for (const c of CASES) {
      it(`${c.name}: dx and every parameter`, () => {
        const layer = new DynamicConv2d(m, c.options);
        try {
          const cin = c.options.inChannels;
          const { x, seed } = robustInput(layer, cin);
          if (layer.mode === 'softmax') expect(reluMargin(layer.stateDict(), x, cin), 'ReLU kink margin').toBeGreaterThanOrEqual(KINK_MARGIN);
          const rand = seededRandom(1000 + seed);
          const pr = layerProblem(m, layer, x, [N, cin, H, W], rand);
          const want = layer.mode === 'softmax'
            ? ['weight', 'bias', 'attention.fc1.weight', 'attention.fc1.bias', 'attention.fc2.weight', 'attention.fc2.bias']
            : ['weight', 'bias', 'routing.weight', 'routing.bias'];
          expect(Object.keys(pr.params).sort()).toEqual(want.sort());
          const hot = layer.mode === 'softmax' && layer.temperature > 1;
          const coarse = expectLayerGradients(`${backend} ${c.name}`, pr, rand, undefined,
            (name) => (hot && name.startsWith('attention.') ? { relEps: 0.1 } : undefined));
          // Measured: every tensor here resolves a 10% error.
          expect(coarse, 'tensors checked only coarsely').toEqual({});
          // The comparison can fail: 10% off in one entry / the whole dx, or in one attention entry.
          expectLayerNegativeControls(`${backend} ${c.name}`, pr, layer.mode === 'softmax' ? 'attention.fc2.weight' : 'routing.weight', rand);
        } finally {
          layer.dispose();
        }
      });
    }
  });
}
