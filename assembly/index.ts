// The WebAssembly core's exports: the model functions the engine calls, and the kernels the
// kernel suite (test/kernels.test.ts) runs against the pure-TS twins. Only numbers and pointers cross.
// Nothing else: the suite fails on an export that neither it nor the engine calls.
export {
  useArena, initParams, forward, batchLoss, batchCorrect, backward, trainBatch, resetIndex, trainEpochs, stateFinite, workerLoop,
} from './train';
export { endTeam } from './team';
export {
  forwardLayers, backwardLayers, weightGradients, drawMasks, dropoutMask, dropoutForward, dropoutBackward,
} from './layer';
export {
  matmulForward, matmulForwardNaive, matmulBackwardInput, matmulBackwardInputNaive, matmulBackwardWeight,
  matmulBackwardWeightNaive,
} from './matmul';
export { activationForward, activationBackward, sigmoidForward, tanhForward, expf32 } from './activation';
export { optimizerAdvance, optimizerUpdate, l2Gradient, gradientNorm, scaleGradients, allFinite } from './update';
export { lossForward, mseBackward, crossEntropyBackward, countCorrect } from './loss';
export { rngSeed, rngNext, rngBelow, rngNormal, portableLog, shuffleIndex } from './rng';

/** The core's SIMD flag as built, so the host can tell the release build from the scalar one. */
export const SIMD: bool = ASC_FEATURE_SIMD;

/** Whether this build runs on a team of threads over a shared memory (workerLoop waits for jobs). */
export const THREADS: bool = ASC_FEATURE_THREADS;

/** Where the core's static data ends: the host places arenas after it. */
export function dataEnd(): usize {
  return __heap_base;
}
