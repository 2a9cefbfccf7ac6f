// The training step's element-wise kernels, one part of `parts` for the thread pool: parts split the n
// elements (ranges of 16 floats, whole cache lines), each running the one-thread kernel on its range,
// so the result is bit-identical. One entry point for all of them (`op` below) keeps the pool's
// kernel table short. Operands (byte offsets) a, b, c and two scalars as f32 bit patterns:
//   0 reluForward(a → b)        1 reluBackward(x a, dy b → dx c)
//   2 relu6Forward(a → b)       3 relu6Backward(x a, dy b → dx c)
//   4 addForward(a + b → c, relu = s0)
//   5 axpby(b = f32(s0)·a + f32(s1)·b)

import { partStart1 } from "../gemm/partition";
import { relu6Backward, relu6Forward, reluBackward, reluForward } from "./activation";
import { addForward, axpby } from "./elementwise";

export const ELEMENTWISE_RELU = 0;
export const ELEMENTWISE_RELU_BACKWARD = 1;
export const ELEMENTWISE_RELU6 = 2;
export const ELEMENTWISE_RELU6_BACKWARD = 3;
export const ELEMENTWISE_ADD = 4;
export const ELEMENTWISE_AXPBY = 5;

export function elementwisePart(
  op: i32, n: i32, a: usize, b: usize, c: usize, s0: i32, s1: i32, ws: usize, part: i32, parts: i32,
): void {
  const i0 = partStart1(n, part, parts, 16), i1 = partStart1(n, part + 1, parts, 16);
  if (i0 >= i1) return;
  const len = i1 - i0, o = <usize>i0 << 2;
  switch (op) {
    case ELEMENTWISE_RELU: reluForward(len, a + o, b + o); break;
    case ELEMENTWISE_RELU_BACKWARD: reluBackward(len, a + o, b + o, c + o); break;
    case ELEMENTWISE_RELU6: relu6Forward(len, a + o, b + o); break;
    case ELEMENTWISE_RELU6_BACKWARD: relu6Backward(len, a + o, b + o, c + o); break;
    case ELEMENTWISE_ADD: addForward(len, a + o, b + o, c + o, s0); break;
    case ELEMENTWISE_AXPBY: axpby(len, reinterpret<f32>(s0), a + o, reinterpret<f32>(s1), b + o); break;
    default: unreachable();
  }
}
