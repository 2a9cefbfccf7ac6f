/**
 * The kernel exports of assembly/index.ts (docs/ARCHITECTURE.md, "Kernel ABI"), as JS sees them.
 * Pointers are byte offsets (usize = i32 on the wasm side; results ≥ 2 GiB come back negative,
 * so read usize results with `>>> 0`). Exports that a build may not have yet are optional; reach
 * them through WasmContext.kernel(), which throws BackendError when one is missing.
 */
type Ptr = number;

export interface KernelExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  simdEnabled(): number;
  /** 1 in the relaxed-SIMD build; absent in builds older than it. */
  relaxedSimdEnabled?(): number;

  sgemmWorkspaceBytes(m: number, n: number, k: number): number;
  sgemm(transA: number, transB: number, m: number, n: number, k: number,
    a: Ptr, lda: number, b: Ptr, ldb: number, c: Ptr, ldc: number, accumulate: number, ws: Ptr): void;

  conv2dWorkspaceBytes?(p: Ptr, pass: number): number;
  conv2dForward?(p: Ptr, x: Ptr, w: Ptr, b: Ptr, y: Ptr, ws: Ptr): void;
  /** accumulate ≠ 0: dx += the gradient instead of dx = it. */
  conv2dBackwardData?(p: Ptr, dy: Ptr, w: Ptr, dx: Ptr, accumulate: number, ws: Ptr): void;
  conv2dBackwardWeight?(p: Ptr, x: Ptr, dy: Ptr, dw: Ptr, db: Ptr, ws: Ptr): void;

  linearWorkspaceBytes?(n: number, inF: number, outF: number): number;
  linearForward?(n: number, inF: number, outF: number, x: Ptr, w: Ptr, b: Ptr, y: Ptr, ws: Ptr): void;
  linearBackward?(n: number, inF: number, outF: number, x: Ptr, w: Ptr, dy: Ptr,
    dx: Ptr, dw: Ptr, db: Ptr, ws: Ptr): void;

  /** Op groups added later (dynamic conv, DCD) declare their kernels in their own files. */
  [name: string]: unknown;
}

/** conv2dWorkspaceBytes pass numbers. */
export const PASS_FORWARD = 0;
export const PASS_BACKWARD_DATA = 1;
export const PASS_BACKWARD_WEIGHT = 2;
