// Codes and header layout shared by both engines. Must match assembly/abi.ts word for word
// (test/abi.test.ts compares the two files).

/** Activation codes, as stored in the arena header. */
export const ACT_IDENTITY = 0;
export const ACT_SIGMOID = 1;
export const ACT_TANH = 2;
export const ACT_RELU = 3;
export const ACT_LEAKY_RELU = 4;
export const ACT_SOFTMAX = 5;

/** Loss codes. */
export const LOSS_MSE = 0;
export const LOSS_CROSS_ENTROPY = 1;

/** Optimiser codes. */
export const OPT_SGD = 0;
export const OPT_MOMENTUM = 1;
export const OPT_NESTEROV = 2;
export const OPT_ADAM = 3;

/** Weight initialisation codes: the seed's normal/√fan_in, then Glorot (Xavier) and He, uniform or normal. */
export const INIT_SEED = 0;
export const INIT_XAVIER_UNIFORM = 1;
export const INIT_XAVIER_NORMAL = 2;
export const INIT_HE_UNIFORM = 3;
export const INIT_HE_NORMAL = 4;

/** Slope of leakyRelu for negative inputs (PyTorch's default). */
export const LEAKY_SLOPE = 0.01;

/** Cross-entropy never takes a log below this (PyTorch's BCELoss clamps at -100 too). */
export const LOG_FLOOR = -100;

// Header: u32 words at the start of the arena. Offsets are bytes from the arena's base.
export const H_LAYERS = 0; // L, the number of weight layers
export const H_PASS_ROWS = 1; // rows one forward/backward pass can hold
export const H_DATA_ROWS = 2; // rows the training-set region can hold
export const H_LOSS = 3; // loss code
export const H_PARAMS = 4; // byte offset of the parameters: W1, b1, W2, b2, …
export const H_PARAM_COUNT = 5; // number of f32 parameters
export const H_GRADS = 6; // byte offset of the gradients (same layout as the parameters)
export const H_TARGETS = 7; // byte offset of the gathered targets, passRows × outputs
export const H_DATA_X = 8; // byte offset of the training inputs, dataRows × inputs
export const H_DATA_Y = 9; // byte offset of the training targets, dataRows × outputs
export const H_INDEX = 10; // byte offset of the u32 row permutation, dataRows
export const H_OPT_STATE = 11; // byte offset of the optimiser state: two vectors in the parameters' layout (velocity; or Adam's m, v)
export const H_RNG = 12; // four u32 words of generator state, 16-byte aligned
export const H_LOSSES = 16; // byte offset of LOSS_SLOTS f64 epoch losses, then LOSS_SLOTS f64 counts of right answers
export const H_OPTIMIZER = 17; // optimiser code
export const H_STEP = 18; // optimiser steps taken (Adam's t)
export const H_CLASSIFY = 19; // 1: count right answers during training (softmax or sigmoid outputs)
export const H_MOMENTUM = 20; // f32 μ
export const H_BETA1 = 21; // f32 β₁
export const H_BETA2 = 22; // f32 β₂
export const H_EPSILON = 23; // f32 ε
export const H_L2 = 24; // f32 weight decay on weights (not biases)
export const H_CLIP = 25; // f32 largest global gradient norm; 0: no clipping
export const H_BETA1_POWER = 26; // f64 β₁ᵗ (words 26–27, 8-byte aligned)
export const H_BETA2_POWER = 28; // f64 β₂ᵗ (words 28–29)
export const H_CORRECT = 30; // right answers counted so far in the current epoch
export const H_LAYER_BASE = 32; // first layer record

/** How many epochs one trainEpochs call may run: the f64 loss slots (and as many count slots) of the losses region. */
export const LOSS_SLOTS = 1024;

// Layer record l (l = 0 … L-1) at word H_LAYER_BASE + l * LAYER_WORDS.
export const LAYER_WORDS = 12;
export const L_IN = 0; // C, the input width
export const L_OUT = 1; // OC, the output width
export const L_ACT = 2; // activation code
export const L_WEIGHT = 3; // byte offset of W, OC × C row-major
export const L_BIAS = 4; // byte offset of b, OC
export const L_DWEIGHT = 5; // byte offset of dW
export const L_DBIAS = 6; // byte offset of db
export const L_INPUT = 7; // byte offset of this layer's input activations, passRows × C
export const L_OUTPUT = 8; // byte offset of this layer's output activations, passRows × OC
export const L_DOUTPUT = 9; // byte offset of ∂L/∂(output), passRows × OC; becomes ∂L/∂z in place
export const L_DINPUT = 10; // byte offset of ∂L/∂(input), passRows × C (the previous layer's L_DOUTPUT); 0 for layer 0
