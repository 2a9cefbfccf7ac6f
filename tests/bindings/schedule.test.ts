/**
 * bindings/train/schedule.ts: the lr sequences of torch.optim.lr_scheduler (StepLR, CosineAnnealingLR,
 * LinearLR, SequentialLR of a warm-up and a cosine; fixtures optim.json), the temperature schedule,
 * option errors. Schedules are pure functions, but the suite runs once per backend like every other.
 */
import { describe, expect, it } from 'vitest';
import optimJson from '../fixtures/optim.json' with { type: 'json' };
import { asFixtureFile } from '../fixtures/decode';
import { OptionError } from '../../bindings/errors';
import { cosineLR, linearWarmup, sequential, stepLR, temperature, warmupCosine, type Schedule } from '../../bindings/train/schedule';
import { BACKENDS } from '../harness/backends';

interface ScheduleOptions {
  kind: 'stepLR' | 'cosineLR' | 'linearWarmup' | 'warmupCosine';
  lrs: number[];
  [key: string]: unknown;
}

const cases = asFixtureFile<ScheduleOptions>(optimJson).cases.filter((c) => c.op === 'schedule');

function build(o: ScheduleOptions): Schedule {
  const { kind, lrs: _lrs, ...rest } = o;
  const makers: Record<ScheduleOptions['kind'], (x: never) => Schedule> = { stepLR, cosineLR, linearWarmup, warmupCosine };
  return makers[kind](rest as never);
}

for (const backend of BACKENDS) {
  describe(`schedules [${backend}]`, () => {
    for (const fc of cases) {
      it(`${fc.name} gives PyTorch's lr sequence`, () => {
        const schedule = build(fc.options);
        fc.options.lrs.forEach((want, step) => {
          // PyTorch's chainable forms accumulate float64 rounding; the closed forms differ by ~1e-17
          expect(Math.abs(schedule(step) - want), `step ${step}: ${schedule(step)} vs ${want}`).toBeLessThanOrEqual(1e-12);
        });
      });
    }

    it('temperature: 30 → 1 linearly over the given steps, then 1', () => {
      const tau = temperature({ steps: 100 });
      expect(tau(0)).toBe(30);
      expect(tau(50)).toBeCloseTo(15.5, 12);
      expect(tau(100)).toBe(1);
      expect(tau(1000)).toBe(1);
      const custom = temperature({ steps: 4, from: 10, to: 2 });
      expect([0, 1, 2, 3, 4, 5].map(custom)).toEqual([10, 8, 6, 4, 2, 2]);
    });

    it('sequential switches at each milestone and restarts the next schedule at 0', () => {
      const s = sequential([() => 1, (t) => 10 + t, (t) => 100 + t], [2, 5]);
      expect([0, 1, 2, 3, 4, 5, 6].map(s)).toEqual([1, 1, 10, 11, 12, 100, 101]);
    });

    it('typed errors for bad options and steps', () => {
      expect(() => stepLR({ base: 0.1, stepSize: 0 })).toThrow(OptionError);
      expect(() => cosineLR({ base: -1, tMax: 10 })).toThrow(/base must be a finite number >= 0/);
      expect(() => cosineLR({ base: NaN, tMax: 10 })).toThrow(OptionError);
      expect(() => linearWarmup({ base: 0.1, steps: 2.5 })).toThrow(/steps must be an integer >= 1/);
      expect(() => warmupCosine({ base: 0.1, warmupSteps: 10, totalSteps: 10 })).toThrow(/totalSteps must be an integer >= 11/);
      expect(() => sequential([() => 1, () => 2], [])).toThrow(/expected 1 milestones/);
      expect(() => sequential([() => 1, () => 2, () => 3], [5, 5])).toThrow(/milestones\[1\]/);
      expect(() => temperature({ steps: 10, to: 0 })).toThrow(/to must be a finite number/);
      expect(() => cosineLR({ base: 0.1, tMax: 10 })(-1)).toThrow(/step must be an integer >= 0/);
      expect(() => stepLR({ base: 0.1, stepSize: 2, gama: 0.5 } as never)).toThrow(/unknown option 'gama'/);
    });
  });
}
