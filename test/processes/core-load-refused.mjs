// Run under `ulimit -v` (room for one wasm memory) with --expose-gc by test/robustness.test.ts: while
// another memory holds the room, loading the core is refused; that is a MemoryError, not "WebAssembly
// is forbidden", and once the room is free again the core loads. Prints what happened as JSON.
import { NeuralNetwork } from '../../dist/src/index.js';

let hog = new WebAssembly.Memory({ initial: 1, maximum: 1 });
const refused = await NeuralNetwork.create({ layers: [2, 1], engine: 'wasm' }).then(
  () => 'created',
  (e) => `${e.name} ${e.resource ?? e.option}`,
);
const auto = await NeuralNetwork.create({ layers: [2, 1], engine: 'auto' }).then(
  (n) => n.engine,
  (e) => `${e.name} ${e.resource ?? e.option}`,
);
hog = undefined;
globalThis.gc();
await new Promise((resolve) => setTimeout(resolve, 100));
globalThis.gc();
const later = await NeuralNetwork.create({ layers: [2, 1], engine: 'auto' }).then(
  (n) => n.engine,
  (e) => `${e.name}: ${e.message}`,
);
console.log(JSON.stringify({ hog: hog === undefined, refused, auto, later }));
