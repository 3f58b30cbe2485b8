import { NeuralNetwork } from '../../../../dist/browser/backprop-wasm.js';
try {
  const net = await NeuralNetwork.create({ layers: [64, 256, 10], engine: 'wasm', threads: 2, seed: 1 });
  const X = Array.from({ length: 640 }, (_, i) => Array.from({ length: 64 }, (_, j) => ((i * 7 + j) % 13) / 13));
  const Y = X.map((x, i) => Array.from({ length: 10 }, (_, k) => (k === i % 10 ? 1 : 0)));
  const b = net.backend;
  const t0 = performance.now();
  net.fit(X, Y, { epochs: 2, batchSize: 64, displayUpdate: 0 });
  const t1 = performance.now();
  const after = { members: b.lastMembers, ready: b.readyWorkers, word: b.arena.u[(b.arena.base >> 2) + 62], team: b.arena.u[(b.arena.base >> 2) + 48], ms: t1 - t0 };
  await new Promise((r) => setTimeout(r, 200));
  const ready2 = b.readyWorkers;
  net.fit(X, Y, { epochs: 2, batchSize: 64, displayUpdate: 0 });
  postMessage({ after, second: { ready2, members: b.lastMembers, ready: b.readyWorkers } });
} catch (e) { postMessage({ error: String(e.stack || e) }); }
