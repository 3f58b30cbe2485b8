// The arena plan: every region aligned, disjoint, sized for its contents, and the header written as planned.
import { describe, expect, it } from 'vitest';
import { H_LAYERS, H_LAYER_BASE, H_PARAM_COUNT, LAYER_WORDS, L_DINPUT, L_WEIGHT } from '../src/abi.js';
import { planArena, writeHeader } from '../src/plan.js';

describe('planArena', () => {
  const plan = planArena({ widths: [7, 5, 3], activations: [1, 1], loss: 0, passRows: 9, dataRows: 11 });

  it('lays out 16-byte aligned, disjoint regions of the right sizes', () => {
    const regions: [string, number, number][] = [
      ['header', 0, plan.headerWords * 4],
      ['params', plan.params, plan.paramCount * 4],
      ['grads', plan.grads, plan.paramCount * 4],
      ['targets', plan.targets, 9 * 3 * 4],
      ['dataX', plan.dataX, 11 * 7 * 4],
      ['dataY', plan.dataY, 11 * 3 * 4],
      ['index', plan.index, 11 * 4],
      ...plan.layers.flatMap((l, i): [string, number, number][] => [
        [`out${i}`, l.output, 9 * l.outWidth * 4], [`dout${i}`, l.doutput, 9 * l.outWidth * 4],
      ]),
      ['input', plan.layers[0].input, 9 * 7 * 4],
    ];
    expect(plan.paramCount).toBe(5 * 8 + 3 * 6);
    const sorted = [...regions].sort((a, b) => a[1] - b[1]);
    sorted.forEach(([name, start, size], i) => {
      expect(start % 16, name).toBe(0);
      if (i + 1 < sorted.length) expect(start + size, `${name} overlaps ${sorted[i + 1][0]}`).toBeLessThanOrEqual(sorted[i + 1][1]);
    });
    const [, lastStart, lastSize] = sorted[sorted.length - 1];
    expect(plan.bytes).toBeGreaterThanOrEqual(lastStart + lastSize);
  });

  it('chains layers: each layer reads the previous output, gradients mirror parameters', () => {
    const [a, b] = plan.layers;
    expect(b.input).toBe(a.output);
    expect(b.dinput).toBe(a.doutput);
    expect(a.dinput).toBe(0);
    expect(b.weight).toBe(a.bias + 5 * 4);
    expect(b.dweight - plan.grads).toBe(b.weight - plan.params);
  });

  it('writes the header with offsets moved by the base', () => {
    const words = new Uint32Array(plan.bytes / 4 + 64);
    writeHeader(words, plan, 128);
    expect(words[32 + H_LAYERS]).toBe(2);
    expect(words[32 + H_PARAM_COUNT]).toBe(plan.paramCount);
    expect(words[32 + H_LAYER_BASE + LAYER_WORDS + L_WEIGHT]).toBe(128 + plan.layers[1].weight);
    expect(words[32 + H_LAYER_BASE + L_DINPUT]).toBe(0);
  });
});
