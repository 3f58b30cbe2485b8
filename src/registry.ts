// The registries: one table per concept (activations, losses, optimisers, layer kinds), each entry
// with its code (declared beside both engines' kernels), where it is allowed, what the arena plan and
// the exporters need to know, and a line of documentation. Option validation, error messages, the
// README's tables (npm run docs) and the tests' lists all read from here.
import {
  ACT_IDENTITY,
  ACT_LEAKY_RELU,
  ACT_RELU,
  ACT_SIGMOID,
  ACT_SOFTMAX,
  ACT_TANH,
  LEAKY_SLOPE,
} from './js/activation.js';
import { KIND_ACTIVATION, KIND_DENSE, KIND_DROPOUT, L_CODE, L_DROP_BELOW, L_SCALE } from './js/layer.js';
import { LOSS_CROSS_ENTROPY, LOSS_MSE } from './js/loss.js';
import { OPT_ADAM, OPT_MOMENTUM, OPT_SGD } from './js/update.js';

export interface ActivationEntry {
  code: number;
  /** Allowed in hidden layers (every activation is allowed for the output). */
  hidden: boolean;
  /**
   * What the derivative is computed from: 'output', the saved activation (the layer then runs in
   * place over its input), or 'input', the pre-activation (kept in a buffer of its own).
   */
  derivative: 'output' | 'input';
  /** Its outputs are class scores: accuracy, predictClass and cross-entropy apply. */
  classifies: boolean;
  /** The ONNX operator computing it, with its attributes ('' for the identity: no node at all). */
  onnx: string;
  doc: string;
}

export const ACTIVATIONS = {
  sigmoid: {
    code: ACT_SIGMOID,
    hidden: true,
    derivative: 'output',
    classifies: true,
    onnx: 'Sigmoid',
    doc: '1 / (1 + e⁻ˣ), the seed’s; as an output, one probability per unit',
  },
  tanh: { code: ACT_TANH, hidden: true, derivative: 'output', classifies: false, onnx: 'Tanh', doc: 'tanh x' },
  relu: { code: ACT_RELU, hidden: true, derivative: 'output', classifies: false, onnx: 'Relu', doc: 'max(0, x)' },
  leakyRelu: {
    code: ACT_LEAKY_RELU,
    hidden: true,
    derivative: 'output',
    classifies: false,
    onnx: `LeakyRelu(alpha=${LEAKY_SLOPE})`,
    doc: `x for x > 0, ${LEAKY_SLOPE}·x otherwise (PyTorch's default slope)`,
  },
  identity: {
    code: ACT_IDENTITY,
    hidden: true,
    derivative: 'output',
    classifies: false,
    onnx: '',
    doc: 'x (regression outputs)',
  },
  softmax: {
    code: ACT_SOFTMAX,
    hidden: false,
    derivative: 'output',
    classifies: true,
    onnx: 'Softmax(axis=-1)',
    doc: 'eˣⁱ / Σ eˣʲ over a row: class probabilities (output only, at least 2 units)',
  },
} as const satisfies Record<string, ActivationEntry>;

export type OutputActivation = keyof typeof ACTIVATIONS;
/** The activations allowed in hidden layers. */
export type Activation = {
  [K in OutputActivation]: (typeof ACTIVATIONS)[K]['hidden'] extends true ? K : never;
}[OutputActivation];

export const OUTPUT_ACTIVATION_NAMES = Object.keys(ACTIVATIONS) as OutputActivation[];
export const ACTIVATION_NAMES = OUTPUT_ACTIVATION_NAMES.filter((name) => ACTIVATIONS[name].hidden) as Activation[];
/** The output activations whose outputs are class scores (accuracy, predictClass, cross-entropy). */
export const CLASSIFYING_ACTIVATIONS = OUTPUT_ACTIVATION_NAMES.filter((name) => ACTIVATIONS[name].classifies);

/** Whether a network with this output activation classifies: the one place that rule is stated. */
export function classifies(outputActivation: OutputActivation): boolean {
  return ACTIVATIONS[outputActivation].classifies;
}

export interface LossEntry {
  code: number;
  /** The output activations it accepts (undefined: any). */
  outputs?: readonly OutputActivation[];
  doc: string;
}

export const LOSSES = {
  mse: { code: LOSS_MSE, doc: '½·Σ(prediction − target)² per sample, the seed’s' },
  crossEntropy: {
    code: LOSS_CROSS_ENTROPY,
    outputs: CLASSIFYING_ACTIVATIONS,
    doc: '−Σ t·log p (softmax), or the binary form summed over units (sigmoid); targets are probabilities',
  },
} as const satisfies Record<string, LossEntry>;

export type Loss = keyof typeof LOSSES;
export const LOSS_NAMES = Object.keys(LOSSES) as Loss[];

/** An optimiser setting: the header slot the engines read it from, its type, default and range. */
export interface SettingEntry {
  slot: number;
  type: 'number' | 'boolean';
  default: number | boolean;
  /** For numbers: the float32 value must be in [min, max), or (min, max) when `above`. */
  min?: number;
  max?: number;
  above?: boolean;
  doc: string;
}

export interface OptimizerEntry {
  code: number;
  /** State vectors it keeps per parameter (the arena's optimiser state region holds this many). */
  stateVectors: number;
  settings: Record<string, SettingEntry>;
  doc: string;
}

export const OPTIMIZERS = {
  sgd: { code: OPT_SGD, stateVectors: 0, settings: {}, doc: 'w −= lr·g, the seed’s' },
  momentum: {
    code: OPT_MOMENTUM,
    stateVectors: 1,
    doc: 'v ← μ·v + g; w −= lr·v (Nesterov: w −= lr·(g + μ·v))',
    settings: {
      momentum: { slot: 0, type: 'number', default: 0.9, min: 0, max: 1, doc: 'μ' },
      nesterov: { slot: 1, type: 'boolean', default: false, doc: 'Nesterov’s look-ahead form' },
    },
  },
  adam: {
    code: OPT_ADAM,
    stateVectors: 2,
    doc: 'Adam with bias correction (Kingma & Ba), PyTorch’s conventions',
    settings: {
      beta1: { slot: 0, type: 'number', default: 0.9, min: 0, max: 1, doc: 'β₁' },
      beta2: { slot: 1, type: 'number', default: 0.999, min: 0, max: 1, doc: 'β₂' },
      epsilon: { slot: 2, type: 'number', default: 1e-8, min: 0, max: Infinity, above: true, doc: 'ε' },
    },
  },
} as const satisfies Record<string, OptimizerEntry>;

export type OptimizerName = keyof typeof OPTIMIZERS;
export const OPTIMIZER_NAMES = Object.keys(OPTIMIZERS) as OptimizerName[];

type Settings<K extends OptimizerName> = (typeof OPTIMIZERS)[K]['settings'];
type SettingValue<S> = S extends { type: 'boolean' } ? boolean : number;
/** An optimiser and some of its settings (the others take their defaults). */
export type OptimizerOptions = {
  [K in OptimizerName]: { type: K } & { [P in keyof Settings<K>]?: SettingValue<Settings<K>[P]> };
}[OptimizerName];
/** An optimiser with every setting filled in. */
export type ResolvedOptimizer = {
  [K in OptimizerName]: { type: K } & { [P in keyof Settings<K>]: SettingValue<Settings<K>[P]> };
}[OptimizerName];

/** One layer of the network as the engines run it: the public `layers` option desugared (options.ts). */
export type LayerSpec =
  | { kind: 'dense'; units: number }
  | { kind: 'activation'; activation: OutputActivation }
  | { kind: 'dropout'; rate: number };

export interface LayerKindEntry<S extends LayerSpec> {
  code: number;
  /** Its output width from its input width. */
  width(spec: S, inWidth: number): number;
  /** Parameters it has: dense layers' weights and biases, packed in layer order. */
  hasParameters: boolean;
  /** Whether it may write its output over its input values, and its input delta over its output delta. */
  inPlace(spec: S): { value: boolean; delta: boolean };
  /** Whether it has a per-unit region of its own, passRows × its width (dropout: the mask of each training pass). */
  hasState: boolean;
  /** Its own record words, as u32 (an f32 goes in as its bits). */
  words(spec: S): [word: number, value: number][];
}

const f32Bits = (value: number): number => new Uint32Array(new Float32Array([value]).buffer)[0];

export const LAYER_KINDS: { [K in LayerSpec['kind']]: LayerKindEntry<Extract<LayerSpec, { kind: K }>> } = {
  dense: {
    code: KIND_DENSE,
    width: (spec) => spec.units,
    hasParameters: true,
    hasState: false,
    inPlace: () => ({ value: false, delta: false }),
    words: () => [],
  },
  activation: {
    code: KIND_ACTIVATION,
    width: (_, inWidth) => inWidth,
    hasParameters: false,
    hasState: false,
    inPlace: (spec) => ({ value: ACTIVATIONS[spec.activation].derivative === 'output', delta: true }),
    words: (spec) => [[L_CODE, ACTIVATIONS[spec.activation].code]],
  },
  dropout: {
    // Not in place over its values: the activation before it computes its derivative from them.
    code: KIND_DROPOUT,
    width: (_, inWidth) => inWidth,
    hasParameters: false,
    hasState: true,
    inPlace: () => ({ value: false, delta: true }),
    words: (spec) => [
      [L_DROP_BELOW, Math.min(Math.round(spec.rate * 2 ** 32), 0xffffffff)],
      [L_SCALE, f32Bits(1 / (1 - spec.rate))],
    ],
  },
};

/** The README's tables of activations, losses and optimisers, as `npm run docs` writes them. */
export function registryTables(): string {
  const rows = (head: string[], body: string[][]): string =>
    [
      `| ${head.join(' | ')} |`,
      `| ${head.map(() => '---').join(' | ')} |`,
      ...body.map((r) => `| ${r.join(' | ')} |`),
    ].join('\n');
  const code = (s: string): string => `\`${s}\``;
  const activations = rows(
    ['activation', 'hidden', 'output', 'ONNX', 'what it computes'],
    OUTPUT_ACTIVATION_NAMES.map((name) => {
      const a: ActivationEntry = ACTIVATIONS[name];
      return [code(name), a.hidden ? 'yes' : '—', 'yes', a.onnx ? code(a.onnx) : '—', a.doc];
    }),
  );
  const losses = rows(
    ['loss', 'output activations', 'what it computes'],
    LOSS_NAMES.map((name) => {
      const l: LossEntry = LOSSES[name];
      return [code(name), l.outputs ? l.outputs.map(code).join(', ') : 'any', l.doc];
    }),
  );
  const optimizers = rows(
    ['optimizer', 'settings (default)', 'state per parameter', 'what it does'],
    OPTIMIZER_NAMES.map((name) => {
      const o: OptimizerEntry = OPTIMIZERS[name];
      const settings =
        Object.entries(o.settings)
          .map(([key, s]) => `${code(key)} ${s.doc} (${s.default})`)
          .join(', ') || '—';
      return [code(name), settings, String(o.stateVectors), o.doc];
    }),
  );
  return `${activations}\n\n${losses}\n\n${optimizers}\n`;
}
