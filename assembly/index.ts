// The WebAssembly core's exports: the model functions the engine calls, the kernels the tests
// call, and the codes the host mirrors in src/abi.ts. Only numbers and pointers cross.
export {
  useArena, initParams, resetOptimizer, optimizerStep, batchInput, batchTargets, forward, batchLoss, batchCorrect, backward, trainStep, gatherBatch, resetIndex, trainEpoch,
  trainEpochs, stateFinite, momentsInUse,
} from './train';
export {
  matmulForward, matmulForwardNaive, matmulBackwardInput, matmulBackwardInputNaive, matmulBackwardWeight,
  matmulBackwardWeightNaive,
} from './matmul';
export {
  activationForward, activationBackward, sigmoidForward, tanhForward, expf32,
} from './activation';
export { sgdUpdate, momentumUpdate, adamUpdate, l2Gradient, clipGradients, allFinite } from './update';
export { countCorrect } from './loss';
export { rngSeed, rngNext, rngNormal, portableLog } from './rng';

/** The core's SIMD flag as built, so the host can tell the release build from the scalar one. */
export const SIMD: bool = ASC_FEATURE_SIMD;

/** Where the core's static data ends: the host places arenas after it. */
export function dataEnd(): usize {
  return __heap_base;
}
