// Losses, forward beside backward, over the arena `m`. Legend: B rows, OC outputs.
// Forward returns the sum over the B rows of the per-sample loss; backward writes the gradient of
// the batch mean (scale = 1/B), so a batch's update is the mean of its per-sample gradients.
import { ACT_SOFTMAX } from './activation.js';

/** Loss codes, as stored in the header (H_LOSS); src/registry.ts names them. */
export const LOSS_MSE = 0;
export const LOSS_CROSS_ENTROPY = 1;

/** Cross-entropy never takes a log below this (PyTorch's BCELoss clamps at -100 too). */
export const LOG_FLOOR = -100;

const clampedLog = (p: number): number => Math.max(Math.log(p), LOG_FLOOR);

/** Σ_b ½ Σ_o (pred − target)²: the seed's loss. */
export function mseForward(m: Float32Array, pred: number, target: number, B: number, OC: number): number {
  let sum = 0;
  for (let i = 0, N = B * OC; i < N; i++) {
    const d = m[pred + i] - m[target + i];
    sum += d * d;
  }
  return 0.5 * sum;
}

/** dpred = scale · (pred − target): ∂L/∂a, still to be multiplied by the output activation's f′. */
export function mseBackward(
  m: Float32Array,
  dpred: number,
  pred: number,
  target: number,
  N: number,
  scale: number,
): void {
  for (let i = 0; i < N; i++) m[dpred + i] = scale * (m[pred + i] - m[target + i]);
}

/** −Σ target·log(pred) for softmax outputs; the binary form, summed over outputs, for sigmoid. */
export function crossEntropyForward(
  m: Float32Array,
  pred: number,
  target: number,
  B: number,
  OC: number,
  outputActivation: number,
): number {
  let sum = 0;
  const N = B * OC;
  if (outputActivation === ACT_SOFTMAX) {
    for (let i = 0; i < N; i++) {
      const t = m[target + i];
      if (t !== 0) sum -= t * clampedLog(m[pred + i]);
    }
  } else {
    for (let i = 0; i < N; i++) {
      const p = m[pred + i],
        t = m[target + i];
      sum -= t * clampedLog(p) + (1 - t) * clampedLog(1 - p);
    }
  }
  return sum;
}

/**
 * dz = scale · (pred − target): ∂L/∂z directly, because softmax (or sigmoid) followed by
 * cross-entropy has this fused gradient, which stays exact where a·(1−a) would underflow.
 */
export function crossEntropyBackward(
  m: Float32Array,
  dz: number,
  pred: number,
  target: number,
  N: number,
  scale: number,
): void {
  mseBackward(m, dz, pred, target, N, scale);
}

/** The loss `code` summed over B rows. */
export function lossForward(
  m: Float32Array,
  code: number,
  pred: number,
  target: number,
  B: number,
  OC: number,
  outputActivation: number,
): number {
  return code === LOSS_CROSS_ENTROPY
    ? crossEntropyForward(m, pred, target, B, OC, outputActivation)
    : mseForward(m, pred, target, B, OC);
}

/** Rows whose prediction is right: the largest output is the target's, or, for one output, the same side of ½. */
export function countCorrect(m: Float32Array, pred: number, target: number, B: number, OC: number): number {
  let right = 0;
  for (let b = 0; b < B; b++) {
    const p = pred + b * OC,
      t = target + b * OC;
    if (OC === 1) {
      if (m[p] >= 0.5 === m[t] >= 0.5) right++;
      continue;
    }
    let bestP = 0,
      bestT = 0;
    for (let o = 1; o < OC; o++) {
      if (m[p + o] > m[p + bestP]) bestP = o;
      if (m[t + o] > m[t + bestT]) bestT = o;
    }
    if (bestP === bestT) right++;
  }
  return right;
}
