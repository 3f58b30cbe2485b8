// Losses, the twins of src/js/loss.ts. Legend: B rows, OC outputs, N = B·OC.
// Forward returns the f64 sum over the B rows of the per-sample loss; backward writes the
// gradient of the batch mean (scale = 1/B). Arithmetic in f64 as the pure-TS engine does it.
import { ACT_SOFTMAX } from './activation';

/** Loss codes, as stored in the header (H_LOSS); src/registry.ts names them. */
export const LOSS_MSE = 0;
export const LOSS_CROSS_ENTROPY = 1;

/** Cross-entropy never takes a log below this (PyTorch's BCELoss clamps at -100 too). */
export const LOG_FLOOR = -100;

// @ts-ignore: decorator
@inline function clampedLog(p: f64): f64 {
  return max(Math.log(p), <f64>LOG_FLOOR);
}

/** Σ_b ½ Σ_o (pred − target)²: the seed's loss. */
export function mseForward(pred: usize, target: usize, B: i32, OC: i32): f64 {
  let sum: f64 = 0;
  for (let i = 0, N = B * OC; i < N; i++) {
    const at = <usize>i << 2;
    const d = <f64>load<f32>(pred + at) - <f64>load<f32>(target + at);
    sum += d * d;
  }
  return 0.5 * sum;
}

/** dpred = scale · (pred − target): ∂L/∂a, still to be multiplied by the output activation's f′. */
export function mseBackward(dpred: usize, pred: usize, target: usize, N: i32, scale: f64): void {
  for (let i = 0; i < N; i++) {
    const at = <usize>i << 2;
    store<f32>(dpred + at, <f32>(scale * (<f64>load<f32>(pred + at) - <f64>load<f32>(target + at))));
  }
}

/** −Σ target·log(pred) for softmax outputs; the binary form, summed over outputs, for sigmoid. */
export function crossEntropyForward(pred: usize, target: usize, B: i32, OC: i32, outputActivation: u32): f64 {
  let sum: f64 = 0;
  const N = B * OC;
  for (let i = 0; i < N; i++) {
    const at = <usize>i << 2;
    const p = <f64>load<f32>(pred + at), t = <f64>load<f32>(target + at);
    if (outputActivation == ACT_SOFTMAX) {
      if (t != 0) sum -= t * clampedLog(p);
    } else {
      sum -= t * clampedLog(p) + (1 - t) * clampedLog(1 - p);
    }
  }
  return sum;
}

/** dz = scale · (pred − target): ∂L/∂z directly, the fused gradient of softmax or sigmoid with cross-entropy. */
export function crossEntropyBackward(dz: usize, pred: usize, target: usize, N: i32, scale: f64): void {
  mseBackward(dz, pred, target, N, scale);
}

/** The loss `code` summed over B rows. */
export function lossForward(code: u32, pred: usize, target: usize, B: i32, OC: i32, outputActivation: u32): f64 {
  return code == LOSS_CROSS_ENTROPY
    ? crossEntropyForward(pred, target, B, OC, outputActivation)
    : mseForward(pred, target, B, OC);
}

/** Rows whose prediction is right: the largest output is the target's, or, for one output, the same side of ½. */
export function countCorrect(pred: usize, target: usize, B: i32, OC: i32): u32 {
  let right: u32 = 0;
  for (let b = 0; b < B; b++) {
    const p = pred + (<usize>(b * OC) << 2), t = target + (<usize>(b * OC) << 2);
    if (OC == 1) {
      if ((load<f32>(p) >= 0.5) == (load<f32>(t) >= 0.5)) right++;
      continue;
    }
    let bestP = 0, bestT = 0;
    for (let o = 1; o < OC; o++) {
      if (load<f32>(p + (<usize>o << 2)) > load<f32>(p + (<usize>bestP << 2))) bestP = o;
      if (load<f32>(t + (<usize>o << 2)) > load<f32>(t + (<usize>bestT << 2))) bestT = o;
    }
    if (bestP == bestT) right++;
  }
  return right;
}
