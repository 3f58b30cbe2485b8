// The arena plan: every region aligned, disjoint, sized for its contents, layers chained (in place
// where their kind allows), and the header written as planned.
import { describe, expect, it } from 'vitest';
import { H_LAYERS, H_LAYER_BASE, H_PARAM_COUNT, LAYER_WORDS, L_DINPUT, L_KIND, L_WEIGHT } from '../src/abi.js';
import { layerSpecs } from '../src/options.js';
import { planArena, writeHeader } from '../src/plan.js';
import { ACTIVATIONS, LAYER_KINDS } from '../src/registry.js';

describe('planArena', () => {
  const layers = layerSpecs({ layers: [7, 5, 3], activation: 'sigmoid', outputActivation: 'sigmoid', dropout: [0.25] });
  const plan = planArena({ inputs: 7, layers, loss: 0, stateVectors: 2, passRows: 9, dataRows: 11 });

  it('desugars [7, 5, 3] into dense, activation, dropout, dense, activation', () => {
    expect(layers.map((l) => l.kind)).toEqual(['dense', 'activation', 'dropout', 'dense', 'activation']);
    expect(plan.widths).toEqual([7, 5, 3]);
  });

  it('lays out 16-byte aligned, disjoint regions of the right sizes', () => {
    const regions = new Map<number, [string, number]>([
      [0, ['header', plan.headerWords * 4]],
      [plan.params, ['params', plan.paramCount * 4]],
      [plan.grads, ['grads', plan.paramCount * 4]],
      [plan.optState, ['optState', plan.optStateCount * 4]],
      [plan.input, ['input', 9 * 7 * 4]],
      [plan.targets, ['targets', 9 * 3 * 4]],
      [plan.dataX, ['dataX', 11 * 7 * 4]],
      [plan.dataY, ['dataY', 11 * 3 * 4]],
      [plan.index, ['index', 11 * 4]],
    ]);
    // Layers that run in place share their input's buffers: each buffer is counted once.
    plan.layers.forEach((l, i) => {
      for (const [name, at] of [
        ['out', l.output],
        ['dout', l.doutput],
        ['state', l.state],
      ] as const) {
        if (at !== 0) regions.set(at, [`${name}${i}`, 9 * l.outWidth * 4]);
      }
    });
    expect(plan.paramCount).toBe(5 * 8 + 3 * 6);
    expect(plan.optStateCount).toBe(2 * plan.paramCount);
    const sorted = [...regions].sort((a, b) => a[0] - b[0]);
    sorted.forEach(([start, [name, size]], i) => {
      expect(start % 16, name).toBe(0);
      if (i + 1 < sorted.length)
        expect(start + size, `${name} overlaps ${sorted[i + 1][1][0]}`).toBeLessThanOrEqual(sorted[i + 1][0]);
    });
    const [lastStart, [, lastSize]] = sorted[sorted.length - 1];
    expect(plan.bytes).toBeGreaterThanOrEqual(lastStart + lastSize);
  });

  it('chains layers: each reads the previous output; activations run in place, dropout keeps its input; gradients mirror parameters', () => {
    const [dense1, act1, drop, dense2, act2] = plan.layers;
    expect(dense1.input).toBe(plan.input);
    expect(dense1.dinput).toBe(0);
    for (const [a, b] of [
      [dense1, act1],
      [act1, drop],
      [drop, dense2],
      [dense2, act2],
    ]) {
      expect(b.input).toBe(a.output);
      expect(b.dinput).toBe(a.doutput);
    }
    expect(act1.output).toBe(act1.input); // sigmoid's derivative needs only its output
    expect(act1.doutput).toBe(act1.dinput);
    expect(drop.output).not.toBe(drop.input); // the sigmoid before it needs its own output intact
    expect(drop.doutput).toBe(drop.dinput);
    expect(drop.state).not.toBe(0);
    expect(dense2.weight).toBe(dense1.bias + 5 * 4);
    expect(dense2.dweight - plan.grads).toBe(dense2.weight - plan.params);
    expect(plan.parameters).toEqual([
      { rows: 5, cols: 7, weight: 0, bias: 35 },
      { rows: 3, cols: 5, weight: 40, bias: 55 },
    ]);
  });

  it('writes the header with offsets moved by the base', () => {
    const words = new Uint32Array(plan.bytes / 4 + 64);
    writeHeader(words, plan, 128);
    expect(words[32 + H_LAYERS]).toBe(5);
    expect(words[32 + H_PARAM_COUNT]).toBe(plan.paramCount);
    expect(words[32 + H_LAYER_BASE + 3 * LAYER_WORDS + L_WEIGHT]).toBe(128 + plan.layers[3].weight);
    expect(words[32 + H_LAYER_BASE + 2 * LAYER_WORDS + L_KIND]).toBe(LAYER_KINDS.dropout.code);
    expect(words[32 + H_LAYER_BASE + L_DINPUT]).toBe(0);
  });

  it('gives an activation whose derivative needs its input (GELU, swish) an output of its own, so the input stays', () => {
    const tanh = ACTIVATIONS.tanh as { derivative: 'output' | 'input' };
    tanh.derivative = 'input'; // as a registry entry for such an activation would say
    try {
      const specs = layerSpecs({ layers: [4, 6, 2], activation: 'tanh', outputActivation: 'sigmoid', dropout: [0] });
      const [dense, act] = planArena({
        inputs: 4,
        layers: specs,
        loss: 0,
        stateVectors: 0,
        passRows: 3,
        dataRows: 0,
      }).layers;
      expect(act.input).toBe(dense.output);
      expect(act.output).not.toBe(act.input);
      expect(act.doutput).toBe(act.dinput); // its backward is still in place-safe over the deltas
    } finally {
      tanh.derivative = 'output';
    }
  });
});
