// Times one workload for one of our contenders (wasm, wasm-scalar, js; wasm-x2: the wasm engine on
// a team of two threads; wasm-fma: its FMA build, in a Node with relaxed SIMD; wasm-x2-fma: both) in a process of its
// own, so no other contender's allocations or detached buffers can slow it.
import { readFileSync } from 'node:fs';
import { NeuralNetwork } from '../src/index.js';
import { useCoreBytes } from '../src/wasm/module.js';
import { checkInput, readInputs } from './inputs.js';
import { timeAndReport } from './measure.js';
import { epochsPerCall } from './workloads.js';

const OURS = ['wasm', 'wasm-x2', 'wasm-fma', 'wasm-x2-fma', 'wasm-scalar', 'js'];

const [id, contender] = process.argv.slice(2);
if (!OURS.includes(contender)) throw new Error(`usage: worker.js <workload> <${OURS.join('|')}>`);
if (contender === 'wasm-scalar')
  useCoreBytes(new Uint8Array(readFileSync(new URL('../../build/scalar.wasm', import.meta.url))));

const inputs = readInputs(id);
const { workload, rows } = inputs;
const net = await NeuralNetwork.create({
  layers: workload.layers,
  activation: workload.activation,
  outputActivation: workload.outputActivation,
  loss: workload.loss,
  learningRate: workload.learningRate,
  engine: contender === 'js' ? 'js' : 'wasm',
  threads: contender.startsWith('wasm-x2') ? 2 : 1,
  arithmetic: contender.endsWith('fma') ? 'fma' : 'portable',
});
if (contender.endsWith('fma') && net.arithmetic !== 'fma')
  throw new Error(`${contender}: this host does not fuse relaxed_madd`);
net.setWeights(inputs.weights);
const outputs = workload.layers[workload.layers.length - 1];
const X = { data: rows.x, rows: rows.rows, cols: workload.layers[0] };
const Y = { data: rows.y, rows: rows.rows, cols: outputs };
// keepData: every call fits the same rows again, so the arena keeps its copy of them between calls
// (a fit releases it by default: then each call would allocate and fault in that memory anew).
const train = (epochs: number) => (): void => {
  net.fit(X, Y, { epochs, batchSize: workload.batchSize, displayUpdate: 0, keepData: true });
};

if (workload.checkEpochs > 0) train(workload.checkEpochs)();
const predictions = net.predict(checkInput(inputs)).data;
const call = workload.kind === 'predict' ? () => net.predict(X) : train(epochsPerCall(workload as never, contender));
await timeAndReport(inputs, contender, call, predictions);
