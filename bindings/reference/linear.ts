/**
 * Reference linear layer on Float32Arrays, mirroring the wasm ABI: y = x·Wᵀ + b with
 * x (N, IN), W (OUT, IN), b (OUT), as torch.nn.Linear.
 */
import { ShapeError } from '../errors';
import { mat, sgemm } from './gemm';

function expectLength(op: string, name: string, a: Float32Array, length: number): void {
  if (a.length < length) throw new ShapeError(`${op}: ${name} has ${a.length} elements, needs ${length}`);
}

/** y = x·Wᵀ + b (b null: no bias). Overwrites y. */
export function linearForward(
  n: number, inF: number, outF: number, x: Float32Array, w: Float32Array, b: Float32Array | null, y: Float32Array,
): void {
  expectLength('linearForward', 'x', x, n * inF);
  expectLength('linearForward', 'w', w, outF * inF);
  expectLength('linearForward', 'y', y, n * outF);
  sgemm(n, outF, inF, mat(x, 0, inF), mat(w, 0, inF, true), y, 0, outF, false);
  if (b) {
    expectLength('linearForward', 'b', b, outF);
    for (let i = 0; i < n; i++) {
      for (let o = 0; o < outF; o++) y[i * outF + o] += b[o];
    }
  }
}

/** dx = dy·W, dW = dyᵀ·x, db = Σ_n dy; a null output is skipped. Overwrites the outputs. */
export function linearBackward(
  n: number, inF: number, outF: number, x: Float32Array, w: Float32Array, dy: Float32Array,
  dx: Float32Array | null, dw: Float32Array | null, db: Float32Array | null,
): void {
  expectLength('linearBackward', 'dy', dy, n * outF);
  if (dx) {
    expectLength('linearBackward', 'w', w, outF * inF);
    expectLength('linearBackward', 'dx', dx, n * inF);
    sgemm(n, inF, outF, mat(dy, 0, outF), mat(w, 0, inF), dx, 0, inF, false);
  }
  if (dw) {
    expectLength('linearBackward', 'x', x, n * inF);
    expectLength('linearBackward', 'dw', dw, outF * inF);
    sgemm(outF, inF, n, mat(dy, 0, outF, true), mat(x, 0, inF), dw, 0, inF, false);
  }
  if (db) {
    expectLength('linearBackward', 'db', db, outF);
    for (let o = 0; o < outF; o++) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += dy[i * outF + o];
      db[o] = sum;
    }
  }
}
