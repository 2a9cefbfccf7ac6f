// The issue-5 targets, each computed from this run's own figures (never typed in): one line per target
// with the measured figure, the row that decides it, and MET / NOT MET (or NOT MEASURED when the run
// lacks the rows, e.g. --quick, --filter, --no-relaxed). Ratios are time of the slower / time of the
// faster engine in the same interleaved rounds.

const SIMD = 'wasm-simd', RELAXED = 'wasm-relaxed-simd';
const x = (v) => `${v.toFixed(2)}×`;
const where = (r) => `${r.layer} N=${r.batch}`;
const ok = (r, ...names) => names.every((n) => r.status[n] === 'ok' && r.ms[n] != null);
const geomean = (values) => Math.exp(values.reduce((s, v) => s + Math.log(v), 0) / values.length);

/** Threads target shapes: the dense 3×3 convs and the 1×1 convs of ≥ 50 MFLOP per image. */
export const threadsTargetRow = (r) => !r.depthwise && (r.kernel === 3 || (r.kernel === 1 && r.flops / r.batch >= 50e6));
const TS_SHAPE = '1x1 64->256 @56';

/**
 * rows: conv rows of peers.mjs; dcdRecords: DCD layer records; threads: the threaded column's thread
 * count (null if none), threadsNote / relaxedNote: why a column is missing.
 */
export function targetSummary({ rows, dcdRecords, threads, threadsNote, relaxedNote, backward }) {
  const out = [];
  const dense = rows.filter((r) => !r.depthwise), depthwise = rows.filter((r) => r.depthwise);

  // Lowest ratio (peer time / our time) over rows: the row that decides an "every shape ≥" target.
  const worstVs = (list, ours, peer, goal, name, missing) => {
    const usable = list.filter((r) => ok(r, ours, peer));
    if (!usable.length) return out.push({ name, met: null, figure: missing });
    const ratios = usable.map((r) => ({ r, v: r.ms[peer] / r.ms[ours] }));
    const worst = ratios.reduce((a, b) => (b.v < a.v ? b : a));
    const misses = ratios.filter((e) => e.v < goal).length;
    out.push({
      name, met: worst.v >= goal,
      figure: `worst ${x(worst.v)} (${where(worst.r)}); ${usable.length - misses}/${usable.length} rows meet it` +
        (usable.length < list.length ? `; ${list.length - usable.length} rows not timed` : ''),
    });
  };

  worstVs(dense, SIMD, 'xnnpack', 1.0, 'plain SIMD ≥ 1.0× XNNPACK on every dense shape', 'no dense rows');
  const ortRows = dense.filter((r) => ok(r, SIMD, 'ort'));
  if (!ortRows.length) out.push({ name: 'plain SIMD ≥ 1.3× ONNX Runtime Web, geomean over dense shapes', met: null, figure: 'no dense rows' });
  else {
    const batches = [...new Set(ortRows.map((r) => r.batch))];
    const per = batches.map((b) => {
      const list = ortRows.filter((r) => r.batch === b);
      return { b, v: geomean(list.map((r) => r.ms.ort / r.ms[SIMD])), n: list.length };
    });
    const all = geomean(ortRows.map((r) => r.ms.ort / r.ms[SIMD]));
    out.push({
      name: 'plain SIMD ≥ 1.3× ONNX Runtime Web, geomean over dense shapes', met: per.every((p) => p.v >= 1.3),
      figure: `${per.map((p) => `N=${p.b}: ${x(p.v)} (${p.n} rows)`).join(', ')}${per.length > 1 ? `; all: ${x(all)}` : ''}`,
    });
  }
  worstVs(dense, RELAXED, 'xnnpack', 1.2, 'relaxed SIMD ≥ 1.2× XNNPACK on every dense shape', `not measured: relaxed SIMD ${relaxedNote}`);
  worstVs(depthwise, SIMD, 'xnnpack', 1.5, 'depthwise (plain SIMD) ≥ 1.5× XNNPACK on every depthwise shape', 'no depthwise rows');

  // DCD layer.
  const dcdLine = (name, goal, pick, cmp, tags) => {
    const figures = [];
    let misses = 0, missing = 0;
    for (const r of dcdRecords) {
      for (const tag of tags) {
        const v = pick(r, tag);
        if (v == null || !Number.isFinite(v)) { figures.push(`${label(tag)} N=${r.batch}: not measured`); missing++; continue; }
        if (!cmp(v, goal)) misses++;
        figures.push(`${label(tag)} N=${r.batch}: ${v.toFixed(3)}×`);
      }
    }
    // NOT MET as soon as one measured figure misses; NOT MEASURED if none misses but some are missing.
    const met = misses ? false : missing || !dcdRecords.length ? null : true;
    out.push({ name, met, figure: figures.join(', ') || 'not measured (--no-dcd)' });
  };
  const label = (tag) => (tag === 'dcd-simd' ? 'SIMD' : 'relaxed');
  const dcdOverConv = (r, tag) => r.ms[`${tag} DCD`] / r.ms[`${tag} conv`];
  const dcdVsTfjs = (r, tag) => r.ms['tfjs-ops DCD'] / r.ms[`${tag} DCD`];
  dcdLine('DCD conv_dy 3×3 256→256 @14² forward ≤ 1.05× own static conv (plain SIMD)', 1.05, dcdOverConv, (v, g) => v <= g, ['dcd-simd']);
  dcdLine('DCD conv_dy 3×3 256→256 @14² forward ≤ 1.05× own static conv (relaxed SIMD)', 1.05, dcdOverConv, (v, g) => v <= g, ['dcd-relaxed']);
  dcdLine('DCD forward ≥ 1.05× faster than the tfjs-ops DCD (plain SIMD)', 1.05, dcdVsTfjs, (v, g) => v >= g, ['dcd-simd']);
  dcdLine('DCD forward ≥ 1.25× faster than the tfjs-ops DCD (relaxed SIMD)', 1.25, dcdVsTfjs, (v, g) => v >= g, ['dcd-relaxed']);

  // Backward.
  const bwdLine = (list, name) => {
    const usable = list.filter((r) => r.backward);
    if (!usable.length) return out.push({ name, met: null, figure: backward ? 'no rows' : 'not measured (--no-backward)' });
    const worst = usable.reduce((a, b) => (b.backward.overForward > a.backward.overForward ? b : a));
    const misses = usable.filter((r) => r.backward.overForward > 2.5).length;
    out.push({ name, met: misses === 0, figure: `worst ${x(worst.backward.overForward)} (${where(worst)}); ${usable.length - misses}/${usable.length} rows meet it` });
  };
  bwdLine(dense, 'backward (dx+dW+db) ≤ 2.5× forward, dense shapes (plain SIMD)');
  bwdLine(depthwise, 'backward (dx+dW+db) ≤ 2.5× forward, depthwise shapes (plain SIMD)');
  {
    const usable = dcdRecords.filter((r) => r.ms['dcd-simd DCD bwd'] != null && r.ms['dcd-simd DCD train'] != null);
    const name = 'DCD backward ≤ 3× its forward (plain SIMD; train-mode forward)';
    if (!usable.length) out.push({ name, met: null, figure: !backward ? 'not measured (--no-backward)' : dcdRecords.length ? 'not measured (see the DCD check column)' : 'not measured (--no-dcd)' });
    else {
      const f = usable.map((r) => ({ r, bwd: r.ms['dcd-simd DCD bwd'] / r.ms['dcd-simd DCD train'], step: 1 + r.ms['dcd-simd DCD bwd'] / r.ms['dcd-simd DCD train'] }));
      out.push({
        name, met: f.every((e) => e.bwd <= 3),
        figure: f.map((e) => `N=${e.r.batch}: bwd ÷ fwd ${x(e.bwd)} (train step ÷ fwd ${x(e.step)})`).join(', '),
      });
    }
  }

  // Threads.
  {
    const name = `${threads ?? 2} threads ≥ 1.7× 1 thread on the 3×3 and large 1×1 shapes (wall clock)`;
    const list = rows.filter(threadsTargetRow);
    const usable = list.filter((r) => r.threads);
    if (!usable.length) out.push({ name, met: null, figure: threads ? 'no 3×3 / large 1×1 rows' : `not measured: ${threadsNote}` });
    else {
      const worst = usable.reduce((a, b) => (b.threads.speedup < a.threads.speedup ? b : a));
      const misses = usable.filter((r) => r.threads.speedup < 1.7).length;
      const bestWorst = Math.min(...usable.map((r) => r.threads.speedupBest));
      out.push({
        name, met: misses === 0,
        figure: `worst median ${x(worst.threads.speedup)} (${where(worst)}); ${usable.length - misses}/${usable.length} rows meet it; ` +
          `worst best-sample speedup ${x(bestWorst)}`,
      });
    }
  }

  // The TS reference.
  {
    const list = rows.filter((r) => r.layer === TS_SHAPE && ok(r, 'js'));
    const n1 = 'TS reference ≥ 2 GFLOP/s on 1×1 64→256 @56²', n2 = 'plain SIMD ≥ 15× the TS reference on 1×1 64→256 @56²';
    if (!list.length) {
      out.push({ name: n1, met: null, figure: 'not measured (row missing or --no-js)' }, { name: n2, met: null, figure: 'not measured' });
    } else {
      out.push({ name: n1, met: list.every((r) => r.gflops.js >= 2), figure: list.map((r) => `N=${r.batch}: ${r.gflops.js.toFixed(2)} GFLOP/s`).join(', ') });
      const s = list.filter((r) => ok(r, SIMD));
      out.push({ name: n2, met: s.length ? s.every((r) => r.ms.js / r.ms[SIMD] >= 15) : null, figure: s.map((r) => `N=${r.batch}: ${x(r.ms.js / r.ms[SIMD])}`).join(', ') || 'not measured' });
    }
  }
  return out;
}

export function formatTargets(targets) {
  const mark = (t) => (t.met === true ? 'MET         ' : t.met === false ? 'NOT MET     ' : 'NOT MEASURED');
  const met = targets.filter((t) => t.met === true).length;
  return [
    `issue-5 targets (from this run): ${met} of ${targets.length} met`,
    ...targets.map((t) => `${mark(t)}  ${t.name}: ${t.figure}`),
  ];
}
