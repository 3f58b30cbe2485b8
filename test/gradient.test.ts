// Backpropagation against central differences of an independent float64 forward pass, for every
// hidden activation × output activation × loss, on a small three-layer network.
import { describe, expect, it } from 'vitest';
import { NeuralNetwork, type Loss, type OutputActivation } from '../src/index.js';
import { ACTIVATION_NAMES, LOSS_NAMES, LOSSES, OUTPUT_ACTIVATION_NAMES, type LossEntry } from '../src/registry.js';
import { numericGradient, refMeanLoss, type RefNet } from './reference.js';
import { ENGINES, randomMatrix, testRandom } from './helpers.js';

const HIDDEN = ACTIVATION_NAMES;
/** Every output activation with every loss that accepts it. */
const HEADS: [OutputActivation, Loss][] = OUTPUT_ACTIVATION_NAMES.flatMap((output) =>
  LOSS_NAMES.filter((loss) => (LOSSES[loss] as LossEntry).outputs?.includes(output) ?? true).map(
    (loss): [OutputActivation, Loss] => [output, loss],
  ),
);
const LAYERS = [3, 5, 4, 3];
const ROWS = 6;

function targets(head: OutputActivation, loss: Loss, seed: number): number[][] {
  const r = testRandom(seed);
  return Array.from({ length: ROWS }, () => {
    if (head === 'softmax') {
      const k = Math.floor(r() * 3);
      return [0, 1, 2].map((j) => (j === k ? 1 : 0));
    }
    return [0, 1, 2].map(() => (loss === 'crossEntropy' ? (r() < 0.5 ? 0 : 1) : r()));
  });
}

describe.each(ENGINES)('gradient check (%s engine)', (engine) => {
  for (const activation of HIDDEN) {
    for (const [outputActivation, loss] of HEADS) {
      it(`${activation} hidden, ${outputActivation} output, ${loss}`, async () => {
        const net = await NeuralNetwork.create({ layers: LAYERS, activation, outputActivation, loss, seed: 7, engine });
        // Biases start at zero; random ones keep pre-activations off relu's kink when a layer is all zero.
        const { weights } = net.getWeights();
        net.setWeights({ weights, biases: LAYERS.slice(1).map((n, l) => randomMatrix(1, n, 17 + l, 0.5)[0]) });
        const X = randomMatrix(ROWS, 3, 11, 1.5);
        const Y = targets(outputActivation, loss, 13);
        const backprop = net.computeGradients(X, Y);
        const ref: RefNet = {
          ...net.getWeights(),
          loss,
          activations: [activation, activation, outputActivation],
        };
        const numeric = numericGradient(ref, X, Y);
        expect(backprop.loss).toBeCloseTo(refMeanLoss(ref, X, Y), 5);
        const flat = (g: { weights: number[][][]; biases: number[][] }): number[] => [
          ...g.weights.flat(2),
          ...g.biases.flat(),
        ];
        const got = flat(backprop),
          want = flat(numeric);
        const scale = Math.max(...want.map(Math.abs));
        expect(scale).toBeGreaterThan(1e-3); // a vanishing gradient would make the check vacuous
        got.forEach((g, i) => {
          expect(Math.abs(g - want[i]), `parameter ${i}: backprop ${g}, numeric ${want[i]}`).toBeLessThan(
            1e-4 * scale + 1e-3 * Math.abs(want[i]),
          );
        });
        net.dispose();
      });
    }
  }
});
