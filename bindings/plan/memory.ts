/**
 * Where each activation lives in the plan's arena: offsets chosen once, before the first run, from the
 * values' lifetimes (TensorFlow Lite's "greedy by size" planner: largest first, each at the lowest
 * offset that overlaps no value alive at the same time). Values that share memory by construction
 * (a reshape's output, a conv writing over the residual it adds) form one group.
 */
import type { Step, Value } from './graph';

/** 16 floats = 64 bytes: every view starts where a SIMD kernel may load it aligned. */
const ALIGN = 16;

export interface MemoryPlan {
  /** Arena offset (floats) of every value, by value id (-1: not in the arena — dead or folded away). */
  readonly offsets: Int32Array;
  /** Arena size in floats. */
  readonly floats: number;
  /** Size of the largest activation, floats. */
  readonly largest: number;
}

interface Group { size: number; first: number; last: number; offset: number; members: Value[] }

/**
 * `steps` in execution order; the input is written before step 0 and the output read after the last.
 * A conv writes over the residual it adds when that is the residual's last read (the op allows
 * out === residual: each element is read, then written, by the same lane).
 */
export function planMemory(values: readonly Value[], steps: readonly Step[], input: Value, output: Value): MemoryPlan {
  // Aliases (the same floats under two names) join one group; every other value is a group of its own.
  const groupOf = new Map<Value, Group>();
  const group = (v: Value): Group => {
    let g = groupOf.get(v);
    if (!g) groupOf.set(v, g = { size: 0, first: 0, last: 0, offset: -1, members: [v] });
    return g;
  };
  const join = (into: Value, from: Value) => {
    const a = group(into), b = group(from);
    if (a === b) return;
    for (const m of b.members) groupOf.set(m, a);
    a.members.push(...b.members);
  };
  const lastRead = new Map<Value, number>();
  group(input);
  group(output);
  steps.forEach((s, i) => {
    for (const v of readsOf(s)) { group(v); lastRead.set(v, i); }
    group(s.out);
  });
  steps.forEach((s, i) => {
    if (s.kind === 'reshape') join(s.x, s.out);
    else if (s.kind === 'conv' && s.residual && s.residual !== input && s.residual !== output && s.residual !== s.x &&
      lastRead.get(s.residual) === i) join(s.residual, s.out);
  });
  // A group lives from its first member's write (the input: before step 0) to its last member's read
  // (the output: after the last step).
  const groups = [...new Set(groupOf.values())];
  for (const g of groups) {
    g.size = Math.max(...g.members.map((v) => v.size));
    g.first = Math.min(...g.members.map((v) => (v === input ? -1 : v.producer)));
    g.last = Math.max(...g.members.map((v) => (v === output ? steps.length : (lastRead.get(v) ?? v.producer))));
  }

  const placed: Group[] = [];
  for (const g of groups.sort((a, b) => b.size - a.size || a.first - b.first)) {
    const busy = placed.filter((p) => p.first <= g.last && g.first <= p.last).sort((a, b) => a.offset - b.offset);
    let offset = 0;
    for (const p of busy) {
      if (offset + g.size <= p.offset) break;
      offset = Math.max(offset, roundUp(p.offset + p.size));
    }
    g.offset = offset;
    placed.push(g);
  }

  const offsets = new Int32Array(values.length).fill(-1);
  let floats = 0, largest = 0;
  for (const g of groups) {
    for (const v of g.members) offsets[v.id] = g.offset;
    floats = Math.max(floats, g.offset + g.size);
    largest = Math.max(largest, g.size);
  }
  return { offsets, floats: Math.max(floats, 1), largest };
}

const roundUp = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

/** The values a step reads. */
export function readsOf(s: Step): Value[] {
  switch (s.kind) {
    case 'conv':
    case 'dcd': return s.residual ? [s.x, s.residual] : [s.x];
    case 'add': return [s.a, s.b];
    case 'linear':
    case 'reshape':
    case 'eager': return [s.x];
  }
}
