/**
 * Inference plans (bindings/plan): the planned path against PyTorch's logits (the network fixture's
 * eval cases) and against this library's own layer-by-layer path (≤ 1e-5 relative, the bound),
 * what it folded (every BatchNorm of a static ResNet into its conv, ReLUs and residual adds into the
 * output writes), its memory (arena ≤ 3 × the largest activation; nothing allocated per run on a fully
 * fused network), `out`, and the typed errors.
 */
import { describe, expect, it } from 'vitest';
import networksJson from '../fixtures/networks.json' with { type: 'json' };
import { decodeTensor } from '../fixtures/decode';
import { asNetworksFixture, hashInput } from '../fixtures/networks';
import {
  BatchNorm2d, Conv2d, DisposedTensorError, OptionError, OutOfMemoryError, PlanError, ReLU, Sequential, ShapeError, init, mobilenet_v2, planInference, resnet18,
  smallCnn, createWorkspace, prepareConv2d, type Backend, type Module,
} from '../../bindings/index';
import { BACKENDS } from '../harness/backends';
import { maxAbs, maxAbsDiff, randomArray, seededRandom } from '../harness/numeric';
import { buildNetwork, calibrate, loadHashWeights } from './helpers/networks';

const fixture = asNetworksFixture(networksJson);
/** Planned vs PyTorch: the network tests' bound. */
const TORCH_RTOL = 1e-4;
/** Planned vs layer-by-layer (the bound): BatchNorm folding only reorders float32 rounding. */
const LAYER_RTOL = 1e-5;
/** The js and scalar backends run the 224-px and 128-px fixture networks in tens of seconds: the small ones only. */
const SLOW = new Set(['js', 'wasm-scalar']);

function relErr(got: Float32Array, want: ArrayLike<number>): number {
  return maxAbsDiff(got, want) / maxAbs(want);
}

/** Random running statistics and affine parameters, so that folding BatchNorm has something to fold. */
function randomizeBatchNorms(net: Module, seed: number): void {
  const rand = seededRandom(seed);
  for (const [name, t] of net.namedState()) {
    const n = t.size;
    // seededRandom is uniform in [-1, 1): variances and scales in [0.5, 1.5).
    if (name.endsWith('running_var')) t.data.set(Array.from({ length: n }, () => 1 + 0.5 * rand()));
    else if (name.endsWith('running_mean') || (/bn\d*\.bias$|\.1\.bias$/.test(name))) t.data.set(randomArray(n, rand).map((v) => 0.2 * v));
    else if (/bn\d*\.weight$|\.1\.weight$/.test(name) && t.shape.length === 1) t.data.set(Array.from({ length: n }, () => 1 + 0.5 * rand()));
  }
}

function layerByLayer(m: Backend, net: Module, input: Float32Array, shape: readonly number[]): Float32Array {
  return m.scope(() => net.forward(m.tensor(input, shape)).toFloat32Array());
}

for (const backend of BACKENDS) {
  describe(`inference plan vs PyTorch [${backend}]`, () => {
    for (const c of fixture.eval) {
      if (SLOW.has(backend) && c.input[2] > 96) continue;
      it(`${c.label}: planned logits = PyTorch's and = layer by layer`, async () => {
        const m = await init({ backend });
        const net = buildNetwork(m, c);
        try {
          loadHashWeights(net);
          calibrate(m, net, c.calibrate);
          const input = hashInput('input.eval', c.input);
          const plan = planInference(net, { inputShape: c.input });
          try {
            const planned = plan.run(input).slice();
            const torch = decodeTensor(c.logits).data;
            const layers = layerByLayer(m, net, input, c.input);
            expect(relErr(planned, torch), `${c.label} vs PyTorch`).toBeLessThanOrEqual(TORCH_RTOL);
            // These hash-weight networks amplify float32 rounding: our own layer-by-layer path is 1e-6 … 3e-5
            // from PyTorch (measured). Folding BatchNorm re-rounds every conv, so the planned path can only
            // be as close to the layer path as two correct float32 orderings are: the 1e-5, or 2×
            // that network's own measured distance when the network is noisier than 1e-5.
            const bound = Math.max(LAYER_RTOL, 2 * relErr(layers, torch));
            expect(relErr(planned, layers), `${c.label} vs layer by layer (bound ${bound.toExponential(1)})`).toBeLessThanOrEqual(bound);
            // Every BatchNorm and activation of these networks folds (DY-Conv layers aside, which run as they are).
            if (!/_dy/.test(c.label)) expect(plan.stats.foldedBatchNorms, 'every BatchNorm folded').toBe(net.namedModules().filter(([, mod]) => mod instanceof BatchNorm2d).length);
            // A second run gives the same answer (no state left behind in the arena).
            expect(maxAbsDiff(plan.run(input), planned)).toBe(0);
          } finally {
            plan.dispose();
          }
        } finally {
          net.dispose();
        }
        expect(m.info().liveTensors).toBe(0);
      }, 300_000);
    }
  });

  describe(`arena [${backend}]`, () => {
    it('views over parts of one block are tensors the ops take; the arena frees them all at once', async () => {
      const m = await init({ backend });
      const before = m.memoryStats().allocatedBytes;
      const arena = m.createArena(64);
      const a = arena.view(0, [2, 4]);
      const b = arena.view(16, [8]);
      a.data.set([1, -2, 3, -4, 5, -6, 7, -8]);
      const r = m.relu(a);
      b.data.set(r.data);
      expect([...arena.view(16, [2, 2]).data]).toEqual([1, 0, 3, 0]); // overlapping views see the same floats
      r.dispose();
      a.dispose(); // a view's dispose frees nothing …
      expect(m.memoryStats().allocatedBytes).toBeGreaterThan(before);
      expect(() => arena.view(60, [8])).toThrow(ShapeError); // … and views stay inside the block
      expect(() => arena.view(-1, [1])).toThrow(ShapeError);
      arena.dispose();
      arena.dispose();
      expect(m.memoryStats().allocatedBytes).toBe(before);
      expect(() => m.relu(b)).toThrow(DisposedTensorError); // no view outlives its memory
      expect(() => arena.view(0, [1])).toThrow(OptionError);
      expect(() => m.createArena(0)).toThrow(OptionError);
    });
  });

  describe(`shared workspace [${backend}]`, () => {
    it('prepared convs share one workspace (the largest reservation) and still equal conv2d', async () => {
      const m = await init({ backend });
      const rand = seededRandom(11);
      m.scope(() => {
        const workspace = createWorkspace();
        const x1 = m.tensor(randomArray(2 * 8 * 12 * 12, rand), [2, 8, 12, 12]);
        const w1 = m.tensor(randomArray(16 * 8 * 9, rand), [16, 8, 3, 3]);
        const x2 = m.tensor(randomArray(4 * 9 * 9, rand), [1, 4, 9, 9]);
        const w2 = m.tensor(randomArray(6 * 4 * 9, rand), [6, 4, 3, 3]);
        // What each conv reserves alone …
        const alone = [[x1.shape, w1, { padding: 1, activation: 'relu' as const }], [x2.shape, w2, { padding: 1 }]]
          .map(([shape, w, o]) => {
            const own = createWorkspace();
            prepareConv2d(shape as number[], w as typeof w1, { ...(o as object), workspace: own }).dispose();
            const bytes = own.bytes;
            own.dispose();
            return bytes;
          });
        if (backend !== 'js') expect(Math.min(...alone)).toBeGreaterThan(0);
        // … and together: the largest of the two, not their sum (two dense convs: both reserve something).
        const a = prepareConv2d(x1.shape, w1, { padding: 1, activation: 'relu', workspace });
        const b = prepareConv2d(x2.shape, w2, { padding: 1, workspace });
        expect(workspace.bytes).toBe(Math.max(...alone));
        const ya = m.zeros([2, 16, 12, 12]), yb = m.zeros([1, 6, 9, 9]);
        a.run(x1, ya);
        b.run(x2, yb);
        expect(maxAbsDiff(ya.data, m.conv2d(x1, w1, { padding: 1, activation: 'relu' }).data)).toBe(0);
        expect(maxAbsDiff(yb.data, m.conv2d(x2, w2, { padding: 1 }).data)).toBe(0);
        expect(() => prepareConv2d(x1.shape, w1, { padding: 1, workspace: {} as never })).toThrow(OptionError);
        a.dispose();
        b.dispose();
        workspace.dispose();
      });
      expect(m.memoryStats().allocatedBytes).toBe(0);
    });
  });

  describe(`inference plan [${backend}]`, () => {
    it('static ResNet-18: every BatchNorm, ReLU and residual add folded into a conv; arena ≤ 3 × the largest activation', async () => {
      const m = await init({ backend });
      const net = resnet18(m, { numClasses: 10 });
      randomizeBatchNorms(net, 1);
      net.eval();
      const shape = [1, 3, 64, 64];
      const input = randomArray(3 * 64 * 64, seededRandom(2));
      const plan = planInference(net, { inputShape: shape });
      try {
        expect(plan.outputShape).toEqual([1, 10]);
        expect(plan.stats).toMatchObject({ convs: 20, foldedBatchNorms: 20, fusedActivations: 17, fusedResiduals: 8 });
        // maxpool, then avgpool + fc (one eager step each); flatten is free.
        expect(plan.stats.eagerSteps).toBe(2);
        expect(plan.stats.arenaBytes).toBeLessThanOrEqual(3 * plan.stats.largestActivationBytes + 64 * 8);
        expect(relErr(plan.run(input).slice(), layerByLayer(m, net, input, shape))).toBeLessThanOrEqual(LAYER_RTOL);
        expect(plan.describe()).toMatch(/conv\s+layer1\.0\.conv2: .* \+ layer1\.0\.bn2: BatchNorm2d\(64\) \+ layer1\.0: add \+ ReLU/);
      } finally {
        plan.dispose();
        net.dispose();
      }
      expect(m.info().liveTensors).toBe(0);
      expect(m.memoryStats().allocatedBytes).toBe(0);
    }, 120_000);

    it('profile(): every step once, in run order, with its folds; the output as run() gives it; runs checked', async () => {
      const m = await init({ backend });
      const net = resnet18(m, { numClasses: 10 });
      randomizeBatchNorms(net, 3);
      net.eval();
      const input = randomArray(3 * 32 * 32, seededRandom(4));
      const plan = planInference(net, { inputShape: [1, 3, 32, 32] });
      try {
        const expected = plan.run(input).slice();
        const profile = plan.profile(input, { runs: 3 });
        expect(profile.runs).toBe(3);
        expect(profile.steps).toHaveLength(plan.stats.steps);
        expect(profile.steps.filter((s) => s.kind === 'conv')).toHaveLength(plan.stats.convs);
        expect(profile.steps[0].label).toMatch(/^conv1: .* \+ bn1: BatchNorm2d\(64\) \+ relu: ReLU/);
        expect(profile.steps.at(-1)?.kind).toBe('linear');
        for (const s of profile.steps) expect(s.ms).toBeGreaterThanOrEqual(0);
        expect(profile.totalMs).toBeGreaterThanOrEqual(profile.steps.reduce((n, s) => n + s.ms, 0) * 0.5);
        // the profiled runs leave the same output a run leaves
        expect(plan.run(input)).toEqual(expected);
        for (const runs of [0, 1.5, -1, Number.NaN, 10001]) {
          expect(() => plan.profile(input, { runs })).toThrow(/profile: runs must be an integer from 1 to 10000/);
        }
        expect(() => plan.profile(new Float32Array(5))).toThrow(ShapeError);
      } finally {
        plan.dispose();
        net.dispose();
      }
      expect(m.memoryStats().allocatedBytes).toBe(0);
    }, 120_000);

    it('static MobileNetV2 (width 0.5): ReLU6 folded, equal to layer by layer; out fills the caller\'s array', async () => {
      const m = await init({ backend });
      const net = mobilenet_v2(m, { widthMult: 0.5, numClasses: 10 });
      randomizeBatchNorms(net, 3);
      net.eval();
      const shape = [2, 3, 64, 64];
      const input = randomArray(2 * 3 * 64 * 64, seededRandom(4));
      const plan = planInference(net, { inputShape: shape });
      try {
        expect(plan.stats.foldedBatchNorms).toBe(plan.stats.convs);
        expect(plan.stats.fusedActivations).toBe(35); // stem + 17 blocks' expand/depthwise (the first has no expand) + the last 1×1
        expect(plan.stats.fusedResiduals).toBe(10);
        const out = new Float32Array(20);
        expect(plan.run(input, { out })).toBe(out);
        expect(relErr(out, layerByLayer(m, net, input, shape))).toBeLessThanOrEqual(LAYER_RTOL);
      } finally {
        plan.dispose();
        net.dispose();
      }
    }, 120_000);

    for (const variant of ['static', 'dy', 'dcd'] as const) {
      it(`the Fashion-MNIST CNN (${variant}), batch 3: planned = layer by layer`, async () => {
        const m = await init({ backend });
        const net = smallCnn(m, { variant, seed: 5 });
        randomizeBatchNorms(net, 6);
        net.eval();
        const shape = [3, 1, 28, 28];
        const input = randomArray(3 * 784, seededRandom(7));
        const plan = planInference(net, { inputShape: shape });
        try {
          expect(relErr(plan.run(input).slice(), layerByLayer(m, net, input, shape))).toBeLessThanOrEqual(LAYER_RTOL);
          if (variant === 'static') expect(plan.stats.foldedBatchNorms).toBe(plan.stats.convs);
        } finally {
          plan.dispose();
          net.dispose();
        }
        expect(m.info().liveTensors).toBe(0);
      }, 120_000);
    }

    it('a fused network allocates nothing per run; the plan keeps its own weights', async () => {
      const m = await init({ backend });
      const net = new Sequential(m, [
        new Conv2d(m, { inChannels: 2, outChannels: 4, kernelSize: 3, padding: 1, seed: 1 }),
        new BatchNorm2d(m, { numFeatures: 4 }),
        new ReLU(m),
      ]);
      randomizeBatchNorms(net, 8);
      net.eval();
      const input = randomArray(2 * 25, seededRandom(9));
      const plan = planInference(net, { inputShape: [1, 2, 5, 5] });
      try {
        const first = plan.run(input).slice();
        const before = m.memoryStats();
        for (let i = 0; i < 3; i++) plan.run(input);
        const after = m.memoryStats();
        expect(after.allocatedBytes).toBe(before.allocatedBytes);
        expect(after.liveTensors).toBe(before.liveTensors);
        expect(plan.stats.steps).toBe(1);
        // Changing the model afterwards does not change the plan (it folded copies).
        (net.module('0') as Conv2d).weight.data.fill(0);
        expect(maxAbsDiff(plan.run(input), first)).toBe(0);
      } finally {
        plan.dispose();
        net.dispose();
      }
      expect(m.memoryStats().allocatedBytes).toBe(0);
    });

    it('out of memory part-way through building: OutOfMemoryError, and everything built so far is freed', async () => {
      if (backend === 'js') return; // maxMemoryBytes caps linear memory
      const m = await init({ backend, maxMemoryBytes: 80 * 2 ** 20 });
      const net = resnet18(m, { numClasses: 10 }).eval(); // 44.7 MB of weights: the plan's copies do not fit
      try {
        const before = m.memoryStats();
        expect(() => planInference(net, { inputShape: [1, 3, 64, 64] })).toThrow(OutOfMemoryError);
        expect(m.memoryStats().allocatedBytes).toBe(before.allocatedBytes);
        expect(m.memoryStats().liveTensors).toBe(before.liveTensors);
      } finally {
        net.dispose();
      }
    }, 120_000);

    it('typed errors: training mode, wrong input, wrong out, a disposed plan', async () => {
      const m = await init({ backend });
      const net = new Sequential(m, [new Conv2d(m, { inChannels: 1, outChannels: 2, kernelSize: 1 })]);
      try {
        expect(() => planInference(net, { inputShape: [1, 1, 4, 4] })).toThrow(PlanError); // still in training mode
        net.eval();
        expect(() => planInference(net, { inputShape: [1, 3, 4, 4] })).toThrow(ShapeError); // 3 channels into a 1-channel conv
        expect(() => planInference(net, { inputShape: [1, -1, 4, 4] })).toThrow(ShapeError);
        expect(() => planInference({} as Module, { inputShape: [1, 1, 4, 4] })).toThrow(OptionError);
        const plan = planInference(net, { inputShape: [1, 1, 4, 4] });
        expect(() => plan.run(new Float32Array(15))).toThrow(ShapeError);
        expect(() => plan.run([1, 2] as unknown as Float32Array)).toThrow(ShapeError);
        expect(() => plan.run(new Float32Array(16), { out: new Float32Array(31) })).toThrow(ShapeError);
        plan.dispose();
        plan.dispose();
        expect(() => plan.run(new Float32Array(16))).toThrow(OptionError);
      } finally {
        net.dispose();
      }
      expect(m.memoryStats().allocatedBytes).toBe(0);
    });
  });
}
