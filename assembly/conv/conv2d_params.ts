// Accessors for the conv2d shape descriptor: 16 consecutive i32 at byte offset `p`
//   [0]N [1]C [2]H [3]W [4]K(=Cout) [5]KH [6]KW [7]SH [8]SW [9]PH [10]PW [11]DH [12]DW [13]G [14]OH [15]OW
// (docs/ARCHITECTURE.md, "Kernel ABI"). Shared by every conv kernel.

// @ts-ignore: decorator
@inline export function convN(p: usize): i32 { return load<i32>(p, 0); }
// @ts-ignore: decorator
@inline export function convC(p: usize): i32 { return load<i32>(p, 4); }
// @ts-ignore: decorator
@inline export function convH(p: usize): i32 { return load<i32>(p, 8); }
// @ts-ignore: decorator
@inline export function convW(p: usize): i32 { return load<i32>(p, 12); }
/** Output channels (Cout). */
// @ts-ignore: decorator
@inline export function convK(p: usize): i32 { return load<i32>(p, 16); }
// @ts-ignore: decorator
@inline export function convKH(p: usize): i32 { return load<i32>(p, 20); }
// @ts-ignore: decorator
@inline export function convKW(p: usize): i32 { return load<i32>(p, 24); }
// @ts-ignore: decorator
@inline export function convSH(p: usize): i32 { return load<i32>(p, 28); }
// @ts-ignore: decorator
@inline export function convSW(p: usize): i32 { return load<i32>(p, 32); }
// @ts-ignore: decorator
@inline export function convPH(p: usize): i32 { return load<i32>(p, 36); }
// @ts-ignore: decorator
@inline export function convPW(p: usize): i32 { return load<i32>(p, 40); }
// @ts-ignore: decorator
@inline export function convDH(p: usize): i32 { return load<i32>(p, 44); }
// @ts-ignore: decorator
@inline export function convDW(p: usize): i32 { return load<i32>(p, 48); }
/** Groups. */
// @ts-ignore: decorator
@inline export function convG(p: usize): i32 { return load<i32>(p, 52); }
// @ts-ignore: decorator
@inline export function convOH(p: usize): i32 { return load<i32>(p, 56); }
// @ts-ignore: decorator
@inline export function convOW(p: usize): i32 { return load<i32>(p, 60); }

/** Input channels per group. */
// @ts-ignore: decorator
@inline export function convCinPerGroup(p: usize): i32 { return convC(p) / convG(p); }
/** Output channels per group. */
// @ts-ignore: decorator
@inline export function convCoutPerGroup(p: usize): i32 { return convK(p) / convG(p); }
/** GEMM depth of one group: Cin/G · KH · KW (the im2col row count). */
// @ts-ignore: decorator
@inline export function convPatchSize(p: usize): i32 { return convCinPerGroup(p) * convKH(p) * convKW(p); }
/** True for a 1×1, stride-1, unpadded conv: the input already is the GEMM's B operand. */
// @ts-ignore: decorator
@inline export function convIsPointwise(p: usize): bool {
  return convKH(p) == 1 && convKW(p) == 1 && convSH(p) == 1 && convSW(p) == 1 &&
    convPH(p) == 0 && convPW(p) == 0;
}
/** Depthwise: one input channel per group (G == C). */
// @ts-ignore: decorator
@inline export function convIsDepthwise(p: usize): bool { return convG(p) == convC(p) && convG(p) > 1; }
