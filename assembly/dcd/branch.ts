// The DCD dynamic branch on pooled features g (N×P), per sample (spec §3):
//   s = fc.0(g)  (S)          t = fc.1.fc.0(s)  (S)       s2 = s ⊙ Hsig(t)      (SE-small gate)
//   φ = fc_phi(s2)  (Mφ = B·lb², the Φ blocks row-major)   u = fc_scale(s2) (Cout), λ = Hsig(u)
// All Linears have no bias. fcphi = 0 skips Φ (Λ-only variant); fcscale = 0 skips λ (Φ-only).
// Forward keeps s, t, s2, u for the backward.
import { hsigGradScalar, hsigScalar } from "../nn/activation";
import { f32Block, gemm, gemmWorkspaceBytes, linearNoBias } from "./gemm";

// @ts-ignore: decorator
@inline function at(base: usize, i: i32): usize {
  return base + (<usize>i << 2);
}

/** Largest gemm workspace over every product of the forward and backward (M, N, K as called). */
function branchGemmBytes(N: i32, P: i32, S: i32, Mphi: i32, Cout: i32): usize {
  let m = max(gemmWorkspaceBytes(N, S, P), gemmWorkspaceBytes(N, S, S));
  m = max(m, max(gemmWorkspaceBytes(N, Mphi, S), gemmWorkspaceBytes(N, Cout, S)));
  m = max(m, max(gemmWorkspaceBytes(N, S, Cout), gemmWorkspaceBytes(Cout, S, N)));
  m = max(m, max(gemmWorkspaceBytes(N, S, Mphi), gemmWorkspaceBytes(Mphi, S, N)));
  m = max(m, max(gemmWorkspaceBytes(S, S, N), gemmWorkspaceBytes(N, P, S)));
  return max(m, gemmWorkspaceBytes(S, P, N));
}

export function dcdBranchWorkspaceBytes(N: i32, P: i32, S: i32, Mphi: i32, Cout: i32): usize {
  return 3 * f32Block(N * S) + f32Block(N * Cout) + branchGemmBytes(N, P, S, Mphi, Cout);
}

export function dcdBranchForward(
  N: i32, P: i32, S: i32, Mphi: i32, Cout: i32,
  g: usize, fc0: usize, se: usize, fcphi: usize, fcscale: usize,
  s: usize, t: usize, s2: usize, phi: usize, u: usize, lam: usize, ws: usize,
): void {
  const gws = ws + 3 * f32Block(N * S) + f32Block(N * Cout);
  linearNoBias(N, P, S, g, fc0, s, gws);
  linearNoBias(N, S, S, s, se, t, gws);
  for (let i = 0; i < N * S; i++) store<f32>(at(s2, i), load<f32>(at(s, i)) * hsigScalar(load<f32>(at(t, i))));
  if (fcphi) linearNoBias(N, S, Mphi, s2, fcphi, phi, gws);
  if (fcscale) {
    linearNoBias(N, S, Cout, s2, fcscale, u, gws);
    for (let i = 0; i < N * Cout; i++) store<f32>(at(lam, i), hsigScalar(load<f32>(at(u, i))));
  }
}

/**
 * From dφ (N×Mφ) and dλ (N×Cout) (either 0 = no gradient) back to dg (N×P) and the four weights.
 * Every output overwrites; dfcphi / dfcscale are only written when their input gradient is given.
 */
export function dcdBranchBackward(
  N: i32, P: i32, S: i32, Mphi: i32, Cout: i32,
  g: usize, fc0: usize, se: usize, fcphi: usize, fcscale: usize,
  s: usize, t: usize, s2: usize, u: usize, dphi: usize, dlam: usize,
  dg: usize, dfc0: usize, dse: usize, dfcphi: usize, dfcscale: usize, ws: usize,
): void {
  const ds2 = ws;
  const ds = ds2 + f32Block(N * S);
  const dt = ds + f32Block(N * S);
  const du = dt + f32Block(N * S);
  const gws = du + f32Block(N * Cout);
  memory.fill(ds2, 0, <usize>(N * S) << 2);
  if (dlam && fcscale) {
    for (let i = 0; i < N * Cout; i++) store<f32>(at(du, i), hsigGradScalar(load<f32>(at(u, i)), load<f32>(at(dlam, i))));
    gemm(0, 0, N, S, Cout, du, Cout, fcscale, S, ds2, S, 1, gws);
    gemm(1, 0, Cout, S, N, du, Cout, s2, S, dfcscale, S, 0, gws);
  }
  if (dphi && fcphi) {
    gemm(0, 0, N, S, Mphi, dphi, Mphi, fcphi, S, ds2, S, 1, gws);
    gemm(1, 0, Mphi, S, N, dphi, Mphi, s2, S, dfcphi, S, 0, gws);
  }
  // s2 = s ⊙ h, h = Hsig(t): ds = ds2 ⊙ h, dt = Hsig'(t) · (ds2 ⊙ s)
  for (let i = 0; i < N * S; i++) {
    const tv = load<f32>(at(t, i));
    const d = load<f32>(at(ds2, i));
    store<f32>(at(ds, i), d * hsigScalar(tv));
    store<f32>(at(dt, i), hsigGradScalar(tv, d * load<f32>(at(s, i))));
  }
  gemm(0, 0, N, S, S, dt, S, se, S, ds, S, 1, gws);
  gemm(1, 0, S, S, N, dt, S, s, S, dse, S, 0, gws);
  gemm(0, 0, N, P, S, ds, S, fc0, P, dg, P, 0, gws);
  gemm(1, 0, S, P, N, ds, S, g, P, dfc0, P, 0, gws);
}
