/**
 * The convs of DCD's training forward on the whole batch: c = conv(x, W0) (+ b0), y = λ ⊙ c, and
 * zq = q(x). Inference runs them sample by sample (x[i] and y[i] still in L2 for the latent path that
 * follows, dcd_forward.ts); training's BatchNorms need the whole batch before the latent path can go
 * on, so that path gains nothing there, while one batch-N conv is what the thread pool splits well
 * (N batch-1 convs were N hand-offs of well under a millisecond each: DCD's training step ran 1.4×
 * faster on 2 threads where the static network's ran 1.6×). The same bits as the per-sample calls:
 * every output element sums in the same order whatever the batch.
 */
import type { Scratch, WasmContext } from './context';
import type { DcdGeometry } from './dcd_geometry';
import { PASS_FORWARD } from './exports';

export interface DcdTrainingConvs {
  x: number;
  /** W0 and its bias (0: none). */
  w0: number;
  b0: number;
  /** The static conv's output; y itself when λ is absent or nothing is kept for the backward. */
  c: number;
  y: number;
  /** λ (N, Cout), 0 when the layer has none. */
  lam: number;
  /** q's weight and its output zq (N, L, HW'), 0 without the dynamic residual. */
  q: number;
  zq: number;
}

export function dcdTrainingConvs(ctx: WasmContext, G: DcdGeometry, scratch: Scratch, t: DcdTrainingConvs): void {
  const k = (name: string) => ctx.kernel(name);
  const conv = (desc: number[], x: number, w: number, b: number, y: number): void => {
    const p = scratch.i32(desc);
    k('conv2dForward')(p, x, w, b, y, scratch.alloc(k('conv2dWorkspaceBytes')(p, PASS_FORWARD) as number >>> 0));
  };
  conv(G.staticDesc, t.x, t.w0, t.b0, t.c);
  if (t.lam) k('dcdScaleForward')(G.n, G.cout, G.hwOut, t.lam, t.c, t.y);
  if (t.q) conv(G.qDesc, t.x, t.q, 0, t.zq);
}
