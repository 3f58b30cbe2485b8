// The files every contender reads for a workload: its description, the shared initial weights
// (drawn by this library from seed 1) and the rows, as raw float32. Written once per run by the
// orchestrator; read by bench/worker.ts and bench/peers/worker.mjs alike.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { NeuralNetwork, type TypedMatrix, type Weights } from '../src/index.js';
import type { Rows, Workload } from './workloads.js';

export interface Inputs {
  workload: Omit<Workload, 'data'>;
  weights: Weights;
  rows: Rows;
  /** Rows whose predictions make the check: the test set for accuracy, else the first 200 training rows. */
  checkRows: number;
}

const folder = new URL('../../bench/results/inputs/', import.meta.url);
const file = (id: string, part: string): URL => new URL(`${id}.${part}`, folder);

export async function writeInputs(workload: Workload): Promise<void> {
  mkdirSync(folder, { recursive: true });
  const { data, ...description } = workload;
  const rows = data();
  const net = await NeuralNetwork.create({
    layers: workload.layers,
    activation: workload.activation,
    outputActivation: workload.outputActivation,
    loss: workload.loss,
    seed: 1,
    engine: 'js',
  });
  writeFileSync(
    file(workload.id, 'json'),
    JSON.stringify({ workload: description, weights: net.getWeights(), rows: rows.rows }),
  );
  const save = (part: string, a: Float32Array | Int32Array | undefined): void => {
    if (a) writeFileSync(file(workload.id, part), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  };
  save('x.f32', rows.x);
  save('y.f32', rows.y);
  save('testx.f32', rows.testX);
  save('testlabels.i32', rows.testLabels);
}

export function readInputs(id: string): Inputs {
  const meta = JSON.parse(readFileSync(file(id, 'json'), 'utf8')) as {
    workload: Inputs['workload'];
    weights: Weights;
    rows: number;
  };
  const floats = (part: string): Float32Array => {
    const b = readFileSync(file(id, part));
    return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  };
  const rows: Rows = { x: floats('x.f32'), y: floats('y.f32'), rows: meta.rows };
  if (meta.workload.check === 'accuracy') {
    rows.testX = floats('testx.f32');
    const b = readFileSync(file(id, 'testlabels.i32'));
    rows.testLabels = new Int32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  }
  const checkRows = rows.testLabels ? rows.testLabels.length : Math.min(200, meta.rows);
  return { workload: meta.workload, weights: meta.weights, rows, checkRows };
}

/** The rows whose predictions make the check, as a typed matrix. */
export function checkInput(inputs: Inputs): TypedMatrix {
  const cols = inputs.workload.layers[0];
  const x = inputs.rows.testX ?? inputs.rows.x;
  return { data: x.subarray(0, inputs.checkRows * cols), rows: inputs.checkRows, cols };
}
