// The arena's header and layer records, shared by both engines. Must match src/abi.ts word for
// word (test/abi.test.ts compares every pair of twin files' constants). The codes of activations,
// losses, optimisers and layer kinds live beside their kernels (activation.ts, loss.ts, update.ts,
// layer.ts), so that adding one touches the kernel files and the registry (src/registry.ts) only.

/** Weight initialisation codes: the seed's normal/√fan_in, then Glorot (Xavier) and He, uniform or normal. */
export const INIT_SEED = 0;
export const INIT_XAVIER_UNIFORM = 1;
export const INIT_XAVIER_NORMAL = 2;
export const INIT_HE_UNIFORM = 3;
export const INIT_HE_NORMAL = 4;

// Header: u32 words at the start of the arena. Offsets are bytes from the arena's base.
// Words 0–15: the plan (sizes and region offsets), written anew by every re-plan.
export const H_LAYERS = 0; // the number of layer records
export const H_PASS_ROWS = 1; // rows one forward/backward pass can hold
export const H_DATA_ROWS = 2; // rows the training-set region can hold
export const H_LOSS = 3; // loss code
export const H_PARAMS = 4; // byte offset of the parameters: W, b of each dense layer in order
export const H_PARAM_COUNT = 5; // number of f32 parameters
export const H_GRADS = 6; // byte offset of the gradients (same layout as the parameters)
export const H_INPUT = 7; // byte offset of the batch's inputs, passRows × inputs
export const H_TARGETS = 8; // byte offset of the batch's targets, passRows × outputs
export const H_DATA_X = 9; // byte offset of the training inputs, dataRows × inputs
export const H_DATA_Y = 10; // byte offset of the training targets, dataRows × outputs
export const H_INDEX = 11; // byte offset of the u32 row permutation, dataRows
export const H_OPT_STATE = 12; // byte offset of the optimiser state: the rule's vectors in the parameters' layout
export const H_OPT_STATE_COUNT = 13; // f32 values in the optimiser state region
export const H_LOSSES = 14; // byte offset of LOSS_SLOTS f64 epoch losses, then LOSS_SLOTS f64 counts of right answers
export const H_CORRECT = 15; // right answers counted so far in the current epoch
// Words 16–47: what outlives a plan (the generator, the update rule, the optimiser's counters).
// Re-planning copies the whole block, so a setting added inside it is never lost.
export const H_PERSISTENT = 16;
export const H_RNG = 16; // four u32 words of generator state, 16-byte aligned
export const H_LEARNING_RATE = 20; // f64 step size (words 20–21, 8-byte aligned)
export const H_BETA1_POWER = 22; // f64 β₁ᵗ (words 22–23)
export const H_BETA2_POWER = 24; // f64 β₂ᵗ (words 24–25)
export const H_STEP = 26; // optimiser steps taken (Adam's t)
export const H_OPTIMIZER = 27; // optimiser code
export const H_CLASSIFY = 28; // 1: count right answers during training (softmax or sigmoid outputs)
export const H_L2 = 29; // f32 weight decay on weights (not biases)
export const H_CLIP = 30; // f32 largest global gradient norm; 0: no clipping
export const H_SETTINGS = 32; // the optimiser's f32 settings, in the slots its registry entry names
export const SETTING_SLOTS = 8;
export const H_PERSISTENT_END = 48;
// Words 48–63: the team's control words (team.ts), one 64-byte cache line of their own when the
// arena's base is 64-byte aligned; written by the host and the members, never copied by a re-plan.
export const H_TEAM = 48; // members that run the next call (1: the host's instance alone)
export const H_JOB = 49; // the job posted to the workers (team.ts JOB_ codes)
export const H_JOB_ARGS = 50; // words 50–53: its arguments
export const H_JOB_GEN = 54; // moves on with each job posted; workers wait on it
export const H_JOB_SLEEPERS = 55; // workers asleep on H_JOB_GEN
export const H_ARRIVED = 56; // members arrived at the barrier
export const H_BARRIER_GEN = 57; // moves on when the last member arrives
export const H_BARRIER_SLEEPERS = 58; // members asleep on H_BARRIER_GEN
export const H_SPIN = 59; // loads a wait spins before it sleeps (0: the core's default)
export const H_CLIP_SCALE = 60; // f64 factor member 0 found for clipping this step (1: none), words 60–61
export const H_READY = 62; // bit id−1 set while worker id waits in workerLoop; bit 31: the team has ended
export const H_MEMBERS = 63; // members of the job in progress: H_TEAM, or fewer when not enough workers are ready
export const H_LAYER_BASE = 64; // first layer record

/** How many epochs one trainEpochs call may run: the f64 loss slots (and as many count slots) of the losses region. */
export const LOSS_SLOTS = 1024;

// Layer record l (l = 0 … H_LAYERS-1) at word H_LAYER_BASE + l * LAYER_WORDS. Every kind has the
// first seven words; dense layers the next four; the last four are each kind's own, and layer.ts
// names what a kind keeps in them (activation: its code; dropout: its threshold, scale and mask).
export const LAYER_WORDS = 16;
export const L_KIND = 0; // layer kind code (layer.ts)
export const L_IN = 1; // input width of a row
export const L_OUT = 2; // output width of a row
export const L_INPUT = 3; // byte offset of the input values, passRows × IN (layer 0: the batch's inputs)
export const L_OUTPUT = 4; // byte offset of the output values, passRows × OUT (may equal L_INPUT: in place)
export const L_DINPUT = 5; // byte offset of ∂L/∂input, passRows × IN; 0 when the input needs none (the network's input)
export const L_DOUTPUT = 6; // byte offset of ∂L/∂output, passRows × OUT (may equal L_DINPUT)
export const L_WEIGHT = 7; // dense: byte offset of W, OUT × IN row-major
export const L_BIAS = 8; // dense: byte offset of b, OUT
export const L_DWEIGHT = 9; // dense: byte offset of dW
export const L_DBIAS = 10; // dense: byte offset of db
export const L_ARG0 = 11; // the kind's own words (u32, or f32 bits)
export const L_ARG1 = 12;
export const L_ARG2 = 13;
export const L_STATE = 14; // byte offset of the kind's own per-row region, passRows × OUT (0: none)
