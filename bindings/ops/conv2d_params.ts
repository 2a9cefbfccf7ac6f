/**
 * The fully resolved geometry of one conv2d call, shared by both backends. It mirrors the kernel
 * ABI's 16-i32 descriptor (docs/ARCHITECTURE.md) field for field and in the same order.
 */
export interface Conv2dParams {
  n: number; c: number; h: number; w: number; // input  (N, C, H, W)
  k: number;                                  // output channels (Cout)
  kh: number; kw: number;                     // kernel size
  sh: number; sw: number;                     // stride
  ph: number; pw: number;                     // padding (symmetric, as PyTorch)
  dh: number; dw: number;                     // dilation
  groups: number;
  oh: number; ow: number;                     // output size
}

/** Field order of the kernel descriptor; index i of the i32 block holds CONV2D_PARAM_FIELDS[i]. */
export const CONV2D_PARAM_FIELDS = [
  'n', 'c', 'h', 'w', 'k', 'kh', 'kw', 'sh', 'sw', 'ph', 'pw', 'dh', 'dw', 'groups', 'oh', 'ow',
] as const satisfies readonly (keyof Conv2dParams)[];
