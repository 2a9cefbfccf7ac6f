// Average pools (pool.ts), one part of `parts` for the thread pool: parts split the samples (every
// plane is independent), each running the one-thread kernel on its sub-batch: bit-identical.
//   op 0 adaptiveAvgPoolForward(x → y)   1 adaptiveAvgPoolBackward(dy → dx)
//      2 globalAvgPoolForward(x → y)     3 globalAvgPoolBackward(dy → dx)      (OH, OW ignored: 1×1)

import { partStart1 } from "../gemm/partition";
import { adaptiveAvgPoolBackward, adaptiveAvgPoolForward, globalAvgPoolBackward, globalAvgPoolForward } from "./pool";

export function avgPoolPart(
  op: i32, N: i32, C: i32, H: i32, W: i32, OH: i32, OW: i32, src: usize, dst: usize, ws: usize, part: i32, parts: i32,
): void {
  const n0 = partStart1(N, part, parts, 1), n1 = partStart1(N, part + 1, parts, 1);
  if (n0 >= n1) return;
  const inBytes = <usize>C * H * W << 2, outBytes = <usize>C * (op >= 2 ? 1 : OH * OW) << 2;
  const forward = op == 0 || op == 2;
  const s = src + <usize>n0 * (forward ? inBytes : outBytes), d = dst + <usize>n0 * (forward ? outBytes : inBytes);
  switch (op) {
    case 0: adaptiveAvgPoolForward(n1 - n0, C, H, W, OH, OW, s, d); break;
    case 1: adaptiveAvgPoolBackward(n1 - n0, C, H, W, OH, OW, s, d); break;
    case 2: globalAvgPoolForward(n1 - n0, C, H, W, s, d); break;
    case 3: globalAvgPoolBackward(n1 - n0, C, H, W, s, d); break;
    default: unreachable();
  }
}
