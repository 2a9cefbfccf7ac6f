/**
 * Node only (bench/train/ runs in Node): bench:train's parts that can be wrong without anyone noticing —
 * the issue-14 target lines (thresholds, directions, missing figures), the interleaved rounds (each
 * engine its own number of rounds), and the TensorFlow.js twin of the DCD network against this library
 * (skipped when the peers' packages are not installed: `node -e "import('./bench/peers/install.mjs')
 * .then((m) => m.ensurePeersInstalled())"`).
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ES modules of the bench, no type declarations
import { ratioTable, targets } from '../../bench/train/report.mjs';
// @ts-expect-error plain ES modules of the bench, no type declarations
import { interleavedRounds } from '../../bench/train/rounds.mjs';
import * as lib from '../../bindings/index';

type Ips = Record<string, number | undefined>;
const row = (variant: string, ips: Ips) => ({ variant, ips, why: {}, params: [] });
type Target = { name: string; met: boolean | null; figure: string };
const find = (list: Target[], part: string) => {
  const t = list.find((e) => e.name.includes(part));
  if (!t) throw new Error(`no target line with '${part}' in ${list.map((e) => e.name).join(' | ')}`);
  return t;
};

describe('bench:train targets', () => {
  const good = [
    row('static', { oursTrain: 50, ours2Train: 90, torchTrain: 100, tfjsTrain: 2, oursInfer: 200, torchInfer: 400, tfjsInfer: 5 }),
    row('dy', { oursTrain: 150, ours2Train: 270, torchTrain: 100, tfjsTrain: 2, oursInfer: 600, torchInfer: 400, tfjsInfer: 5 }),
    row('dcd', { oursTrain: 45, ours2Train: 80, torchTrain: 60, tfjsTrain: 2, oursInfer: 150, torchInfer: 300, tfjsInfer: 5 }),
  ];

  it('judges every target from the figures, at its threshold and in its direction', () => {
    const list: Target[] = targets(good, { threads: 2 });
    expect(list.every((t) => t.met === true)).toBe(true);
    // 50 / 45 = 1.11× the static step time: within 1.15×; PyTorch's own ratio 100 / 60 shown beside it
    expect(find(list, 'DCD').figure).toContain('1.11×');
    expect(find(list, 'DCD').figure).toContain('1.67×');
  });

  it('judges DCD\'s price by the step-ratio phase when the run has one, not by the images/s columns', () => {
    // the images/s say 50 / 45 = 1.11×; the paired rounds (every variant in each round) say 1.2×
    const paired = good.map((r) => (r.variant === 'dcd' ? { ...r, stepRatio: 1.2 } : r.variant === 'static' ? { ...r, stepRatio: 1 } : r));
    const dcd = find(targets(paired, { threads: 2 }), 'DCD');
    expect(dcd.met).toBe(false);
    expect(dcd.figure).toContain('1.200× (CPU time, both in each round)');
    expect(ratioTable(paired).find((cells: string[]) => cells[0] === 'dcd')[6]).toBe('1.20×');
  });

  it('says NOT MET when one variant misses, and names it', () => {
    const slow = good.map((r) => (r.variant === 'dcd' ? row('dcd', { ...r.ips, oursTrain: 20, ours2Train: 30 }) : r));
    const list: Target[] = targets(slow, { threads: 2 });
    expect(find(list, 'static and dcd training').met).toBe(false);
    expect(find(list, 'static and dcd training').figure).toContain('dcd 0.33×');
    expect(find(list, 'DCD').met).toBe(false); // 50 / 20 = 2.5× the static step
    expect(find(list, 'threads').met).toBe(false); // 30 / 20 = 1.5×
    expect(find(list, 'static and dcd inference').met).toBe(true);
  });

  it('says NOT MEASURED (met: null) without PyTorch, TF.js or threads, instead of guessing', () => {
    const bare = good.map((r) => row(r.variant, { oursTrain: r.ips.oursTrain, oursInfer: r.ips.oursInfer }));
    const list: Target[] = targets(bare, { threads: 2 });
    for (const part of ['training ≥ 0.4', 'inference ≥ 1.5', '20× TensorFlow.js', 'threads']) expect(find(list, part).met).toBeNull();
    expect(find(list, 'DCD').met).toBe(true); // ours alone judges it
  });
});

describe('bench:train interleaved rounds', () => {
  it('times each engine for its own number of rounds, in rotating order', () => {
    const order: string[] = [];
    const engine = (name: string, rounds: number) => ({ run: () => { order.push(name); }, rounds, minMs: 0 });
    const out = interleavedRounds({ fast: engine('fast', 3), slow: engine('slow', 1) });
    expect(order).toEqual(['fast', 'slow', 'fast', 'fast']);
    expect(out.fast.samples).toHaveLength(3);
    expect(out.slow.samples).toHaveLength(1);
  });
});

const peers = existsSync(new URL('../../bench/peers/node_modules/@tensorflow/tfjs-backend-cpu/package.json', import.meta.url));

describe.skipIf(!peers)('bench:train TensorFlow.js twin', () => {
  it('the DCD network in tfjs ops = this library: logits, train-mode logits, one SGD step', async () => {
    // @ts-expect-error plain ES modules of the bench, no type declarations
    const { checkSameNetwork } = await import('../../bench/train/check.mjs');
    // @ts-expect-error plain ES modules of the bench, no type declarations
    const { createOursEngine } = await import('../../bench/train/ours.mjs');
    // @ts-expect-error plain ES modules of the bench, no type declarations
    const { initTfjsCpu, createTfjsEngine } = await import('../../bench/train/tfjs_engine.mjs');
    await initTfjsCpu();
    const m = await lib.init({ backend: 'wasm-simd' });
    try {
      const result = checkSameNetwork(
        (b: unknown) => createOursEngine(lib, m, 'dcd', b),
        (s: unknown, b: unknown) => createTfjsEngine(s, 'dcd', b, { temperature: 30 }));
      expect(result.numParameters).toEqual([385790, 385790]);
      expect(result.worst).toBeLessThan(1e-4);
      expect(result.ok).toBe(true);
    } finally {
      m.dispose();
    }
  }, 300_000);
});
