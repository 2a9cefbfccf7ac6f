/**
 * Learning-rate and temperature schedules as pure functions of the step (0-based: the value to use
 * for step t), in PyTorch's closed forms — so a resumed run needs only the step count, not a
 * scheduler's internal state.
 *
 *   const lr = warmupCosine({ base: 0.05, warmupSteps: 500, totalSteps: 10_000 });
 *   opt.lr = lr(step);  layer.temperature = temperature({ steps: 2_000 })(step);
 */
import { OptionError } from '../errors';
import { describe, expectOptions } from '../ops/checks';

/** The value (learning rate, temperature, …) at step t = 0, 1, 2, … */
export type Schedule = (step: number) => number;

function num(value: unknown, op: string, name: string, fallback?: number, min = -Infinity): number {
  const v = value === undefined ? fallback : value;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
    throw new OptionError(`${op}: ${name} must be a finite number${min > -Infinity ? ` >= ${min}` : ''}, got ${describe(v)}`);
  }
  return v;
}

function int(value: unknown, op: string, name: string, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new OptionError(`${op}: ${name} must be an integer >= ${min}, got ${describe(value)}`);
  }
  return value;
}

function stepArg(step: number, op: string): number {
  return int(step, op, 'step', 0);
}

/** torch.optim.lr_scheduler.StepLR: base · gamma^⌊t / stepSize⌋. */
export function stepLR(options: { base: number; stepSize: number; gamma?: number }): Schedule {
  const op = 'stepLR';
  const o = expectOptions<typeof options>(options, op, ['base', 'stepSize', 'gamma']);
  const base = num(o.base, op, 'base', undefined, 0);
  const stepSize = int(o.stepSize, op, 'stepSize', 1);
  const gamma = num(o.gamma, op, 'gamma', 0.1, 0);
  return (t) => base * gamma ** Math.floor(stepArg(t, op) / stepSize);
}

/** torch.optim.lr_scheduler.CosineAnnealingLR: etaMin + (base − etaMin)·(1 + cos(π·t / tMax)) / 2. */
export function cosineLR(options: { base: number; tMax: number; etaMin?: number }): Schedule {
  const op = 'cosineLR';
  const o = expectOptions<typeof options>(options, op, ['base', 'tMax', 'etaMin']);
  const base = num(o.base, op, 'base', undefined, 0);
  const tMax = int(o.tMax, op, 'tMax', 1);
  const etaMin = num(o.etaMin, op, 'etaMin', 0, 0);
  return (t) => etaMin + (base - etaMin) * (1 + Math.cos(Math.PI * stepArg(t, op) / tMax)) / 2;
}

/**
 * torch.optim.lr_scheduler.LinearLR: base · (startFactor + (endFactor − startFactor)·min(t, steps) / steps),
 * a linear warm-up with the defaults (startFactor 1/3, endFactor 1, as PyTorch).
 */
export function linearWarmup(options: { base: number; steps: number; startFactor?: number; endFactor?: number }): Schedule {
  const op = 'linearWarmup';
  const o = expectOptions<typeof options>(options, op, ['base', 'steps', 'startFactor', 'endFactor']);
  const base = num(o.base, op, 'base', undefined, 0);
  const steps = int(o.steps, op, 'steps', 1);
  const start = num(o.startFactor, op, 'startFactor', 1 / 3, 0);
  const end = num(o.endFactor, op, 'endFactor', 1, 0);
  if (start === 0 && end === 0) throw new OptionError(`${op}: startFactor and endFactor cannot both be 0`);
  return (t) => base * (start + (end - start) * Math.min(stepArg(t, op), steps) / steps);
}

/**
 * torch.optim.lr_scheduler.SequentialLR: schedules[i] runs from milestones[i − 1] on, counting its
 * own steps from 0 there. milestones are increasing, one fewer than schedules.
 */
export function sequential(schedules: readonly Schedule[], milestones: readonly number[]): Schedule {
  const op = 'sequential';
  if (!Array.isArray(schedules) || schedules.length === 0 || schedules.some((s) => typeof s !== 'function')) {
    throw new OptionError(`${op}: schedules must be a non-empty array of functions, got ${describe(schedules)}`);
  }
  if (!Array.isArray(milestones) || milestones.length !== schedules.length - 1) {
    throw new OptionError(`${op}: expected ${schedules.length - 1} milestones for ${schedules.length} schedules, got ${describe(milestones)}`);
  }
  milestones.forEach((m, i) => {
    int(m, op, `milestones[${i}]`, i === 0 ? 0 : milestones[i - 1] + 1);
  });
  return (t) => {
    stepArg(t, op);
    let i = 0;
    while (i < milestones.length && t >= milestones[i]) i++;
    return schedules[i](i === 0 ? t : t - milestones[i - 1]);
  };
}

/** Linear warm-up over warmupSteps, then cosine annealing to etaMin over the remaining steps. */
export function warmupCosine(options: {
  base: number; warmupSteps: number; totalSteps: number; startFactor?: number; etaMin?: number;
}): Schedule {
  const op = 'warmupCosine';
  const o = expectOptions<typeof options>(options, op, ['base', 'warmupSteps', 'totalSteps', 'startFactor', 'etaMin']);
  const warmupSteps = int(o.warmupSteps, op, 'warmupSteps', 0);
  const totalSteps = int(o.totalSteps, op, 'totalSteps', warmupSteps + 1);
  const cosine = cosineLR({ base: o.base as number, tMax: totalSteps - warmupSteps, etaMin: o.etaMin });
  if (warmupSteps === 0) return cosine;
  const warmup = linearWarmup({ base: o.base as number, steps: warmupSteps, startFactor: o.startFactor });
  return sequential([warmup, cosine], [warmupSteps]);
}

/**
 * The DY-Conv softmax temperature: linear from `from` (30) to `to` (1) over `steps` steps, then
 * constant (Chen et al. 2020 anneal τ from 30 to 1 over the first epochs).
 */
export function temperature(options: { steps: number; from?: number; to?: number }): Schedule {
  const op = 'temperature';
  const o = expectOptions<typeof options>(options, op, ['steps', 'from', 'to']);
  const steps = int(o.steps, op, 'steps', 1);
  const from = num(o.from, op, 'from', 30, Number.MIN_VALUE);
  const to = num(o.to, op, 'to', 1, Number.MIN_VALUE);
  return (t) => from + (to - from) * Math.min(stepArg(t, op), steps) / steps;
}
