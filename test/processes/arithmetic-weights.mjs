// Run by test/browser.test.ts in a Node started with --experimental-wasm-relaxed-simd (Node 20 keeps
// relaxed SIMD behind that flag): the browser pages' fixed run (test/browser/pages/common.js) with
// arithmetic 'fma' and 'portable', for the page's weights to be compared with. Prints one JSON line.
import { NeuralNetwork } from '../../dist/src/index.js';
import { arithmeticReport } from '../browser/pages/common.js';

console.log(
  JSON.stringify({
    fma: await arithmeticReport(NeuralNetwork, 'fma'),
    portable: await arithmeticReport(NeuralNetwork, 'portable'),
  }),
);
