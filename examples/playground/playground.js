// The playground: trains a small network on a 2-D data set live, drawing the decision boundary and
// the loss as they change, with the wasm and pure-TS engines taking turns on the same network so
// their speeds can be compared; and classifies digits drawn on a canvas with a network trained on
// optdigits; and, served cross-origin isolated (npm run demo), measures what threads gain, in a worker
// of the page's own. Plain JavaScript over the browser bundle: no build step, no configuration.
import { NeuralNetwork, seededRandom } from '../../dist/browser/backprop-wasm.js';

const $ = (id) => document.getElementById(id);
/** What the browser tests read. */
const state = (window.playground = {
  ready: false,
  losses: [],
  epochs: { wasm: 0, js: 0 },
  digitsAccuracy: null,
  // isolated, the threads a network asking for 'auto' gets in a worker, why threads cannot run, the last measurement
  threads: { isolated: crossOriginIsolated, auto: null, unavailable: null, measured: null },
});

// ---- 2-D data sets, from the library's seeded generator ----

function dataset(name, n = 240, seed = 7) {
  const random = seededRandom(seed);
  const X = [],
    y = [];
  const noise = () => random.normal() * 0.06;
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    let px, py;
    if (name === 'xor') {
      px = random.next() * 2 - 1;
      py = random.next() * 2 - 1;
      X.push([px, py]);
      y.push([px * py > 0 ? 0 : 1]);
      continue;
    } else if (name === 'circles') {
      const r = label ? 0.25 + random.next() * 0.25 : 0.65 + random.next() * 0.25,
        a = random.next() * 2 * Math.PI;
      px = r * Math.cos(a);
      py = r * Math.sin(a);
    } else if (name === 'spirals') {
      const t = (i >> 1) / (n / 2),
        r = 0.1 + 0.8 * t,
        a = 3.5 * Math.PI * t + label * Math.PI;
      px = r * Math.cos(a);
      py = r * Math.sin(a);
    } else {
      const a = random.next() * Math.PI;
      px = label ? 1 - Math.cos(a) - 0.5 : Math.cos(a) - 0.5;
      py = label ? 0.3 - Math.sin(a) + 0.2 : Math.sin(a) - 0.2;
      px *= 0.8;
      py *= 0.8;
    }
    X.push([px + noise(), py + noise()]);
    y.push([label]);
  }
  return { X, y };
}

// ---- the live boundary ----

const GRID = 80;
const grid = { data: new Float32Array(GRID * GRID * 2), rows: GRID * GRID, cols: 2 };
for (let j = 0; j < GRID; j++)
  for (let i = 0; i < GRID; i++) {
    grid.data[(j * GRID + i) * 2] = ((i + 0.5) / GRID) * 2 - 1;
    grid.data[(j * GRID + i) * 2 + 1] = 1 - ((j + 0.5) / GRID) * 2;
  }

let run = null;

async function start() {
  const form = new FormData($('controls'));
  const hidden = String(form.get('hidden'))
    .split(/[\s,-]+/)
    .filter(Boolean)
    .map(Number);
  const options = {
    layers: [2, ...hidden, 1],
    activation: form.get('activation'),
    outputActivation: 'sigmoid',
    loss: 'crossEntropy',
    learningRate: Number(form.get('learningRate')),
    seed: 42,
  };
  const batchSize = Math.max(1, Math.floor(Number(form.get('batchSize'))));
  const data = dataset(form.get('dataset'));
  const [wasm, js] = await Promise.all([
    NeuralNetwork.create({ ...options, engine: 'wasm' }),
    NeuralNetwork.create({ ...options, engine: 'js' }),
  ]);
  run?.wasm.dispose();
  run?.js.dispose();
  run = {
    wasm,
    js,
    data,
    batchSize,
    paused: false,
    stats: { wasm: { epochs: 0, ms: 0, perFrame: 1 }, js: { epochs: 0, ms: 0, perFrame: 1 } },
  };
  state.losses = [];
  state.epochs = { wasm: 0, js: 0 };
  $('pause').textContent = 'Pause';
}

/** Trains one engine for about `budget` ms of epochs, adapting how many epochs fit in that budget. */
function train(engine, budget) {
  const net = run[engine],
    s = run.stats[engine];
  const started = performance.now();
  const history = net.fit(run.data.X, run.data.y, {
    epochs: s.perFrame,
    batchSize: run.batchSize,
    shuffle: true,
    displayUpdate: 0,
  });
  const ms = performance.now() - started;
  s.epochs += s.perFrame;
  s.ms += ms;
  s.perFrame = Math.max(1, Math.round(s.perFrame * Math.min(2, Math.max(0.5, budget / Math.max(ms, 0.1)))));
  return history.loss.at(-1);
}

function frame() {
  if (run && !run.paused) {
    const loss = train('wasm', 10);
    train('js', 6);
    state.losses.push(loss);
    state.epochs = { wasm: run.stats.wasm.epochs, js: run.stats.js.epochs };
    drawField();
    drawLoss();
    for (const engine of ['wasm', 'js']) {
      const s = run.stats[engine],
        cells = $(`speed-${engine}`).children;
      cells[1].textContent = Math.round((s.epochs / s.ms) * 1000).toLocaleString();
      cells[2].textContent = s.epochs.toLocaleString();
      cells[3].textContent = (run[engine].calculateLoss(run.data.X, run.data.y) / run.data.X.length).toFixed(4);
    }
    const ratio = run.stats.wasm.epochs / run.stats.wasm.ms / (run.stats.js.epochs / run.stats.js.ms);
    $('ratio').textContent =
      `wasm trains ${ratio.toFixed(1)}× as many epochs per second as pure TypeScript here; both start from seed 42.`;
    state.ready = true;
  }
  requestAnimationFrame(frame);
}

function drawField() {
  const canvas = $('field'),
    ctx = canvas.getContext('2d');
  const p = run.wasm.predict(grid).data;
  const image = ctx.createImageData(GRID, GRID);
  for (let k = 0; k < GRID * GRID; k++) {
    const v = p[k];
    image.data[k * 4] = 240 - 170 * v;
    image.data[k * 4 + 1] = 170 + 30 * v - 40 * (1 - v);
    image.data[k * 4 + 2] = 110 + 140 * v;
    image.data[k * 4 + 3] = 255;
  }
  const off = new OffscreenCanvas(GRID, GRID);
  off.getContext('2d').putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
  for (let i = 0; i < run.data.X.length; i++) {
    const [x, y] = run.data.X[i];
    ctx.beginPath();
    ctx.arc(((x + 1) / 2) * canvas.width, ((1 - y) / 2) * canvas.height, 4, 0, 2 * Math.PI);
    ctx.fillStyle = run.data.y[i][0] ? '#1f4fb0' : '#c2571a';
    ctx.fill();
    ctx.strokeStyle = 'white';
    ctx.stroke();
  }
}

function drawLoss() {
  const canvas = $('loss'),
    ctx = canvas.getContext('2d'),
    w = canvas.width,
    h = canvas.height;
  ctx.clearRect(0, 0, w, h);
  const losses = state.losses,
    max = Math.max(...losses, 1e-9);
  ctx.fillStyle = '#5a6478';
  ctx.font = '12px sans-serif';
  ctx.fillText(`loss (mean per sample), max ${max.toFixed(3)}`, 8, 14);
  ctx.beginPath();
  losses.forEach((l, i) => {
    const x = 8 + (i / Math.max(1, losses.length - 1)) * (w - 16),
      y = h - 8 - (l / max) * (h - 30);
    i === 0 ? ctx.moveTo(x, y) : ctx.lineTo(x, y);
  });
  ctx.strokeStyle = '#2f6fd6';
  ctx.lineWidth = 2;
  ctx.stroke();
}

$('controls').addEventListener('submit', (e) => {
  e.preventDefault();
  void start();
});
$('pause').addEventListener('click', () => {
  if (!run) return;
  run.paused = !run.paused;
  $('pause').textContent = run.paused ? 'Resume' : 'Pause';
});

// ---- digits ----

let digitNet = null;
/** optdigits' training set as typed matrices, for the threads measurement. */
let digitsTrain = null;

async function csvDigits(path) {
  const text = await (await fetch(path)).text();
  const rows = text
    .trim()
    .split('\n')
    .map((line) => line.split(',').map(Number));
  return { X: rows.map((r) => r.slice(0, 64).map((v) => v / 16)), labels: rows.map((r) => r[64]) };
}

async function trainDigits() {
  const [train, test] = await Promise.all([
    csvDigits('../../data/optdigits-train.csv'),
    csvDigits('../../data/optdigits-test.csv'),
  ]);
  digitNet = await NeuralNetwork.create({
    layers: [64, 32, 10],
    activation: 'tanh',
    outputActivation: 'softmax',
    loss: 'crossEntropy',
    learningRate: 0.1,
    seed: 1,
    engine: 'wasm',
  });
  const y = train.labels.map((c) => Array.from({ length: 10 }, (_, k) => (k === c ? 1 : 0)));
  const rows = train.X.length;
  digitsTrain = {
    X: { data: Float32Array.from(train.X.flat()), rows, cols: 64 },
    Y: { data: Float32Array.from(y.flat()), rows, cols: 10 },
  };
  const started = performance.now();
  await digitNet.fitAsync(train.X, y, { epochs: 40, batchSize: 16, shuffle: true, displayUpdate: 0 });
  const ms = performance.now() - started;
  const predicted = digitNet.predict(test.X);
  const right = predicted.filter((p, i) => p.indexOf(Math.max(...p)) === test.labels[i]).length;
  state.digitsAccuracy = right / test.labels.length;
  $('digits-status').textContent =
    `Trained on ${train.X.length} optdigits images in ${ms.toFixed(0)} ms (wasm); ${(state.digitsAccuracy * 100).toFixed(1)}% right on the ${test.labels.length} test images.`;
  classify();
}

const pad = $('pad'),
  padCtx = pad.getContext('2d', { willReadFrequently: true });
padCtx.lineCap = 'round';
padCtx.lineJoin = 'round';
padCtx.lineWidth = 18;
padCtx.strokeStyle = 'black';
let drawing = false;
pad.addEventListener('pointerdown', (e) => {
  drawing = true;
  padCtx.beginPath();
  padCtx.moveTo(e.offsetX, e.offsetY);
});
pad.addEventListener('pointermove', (e) => {
  if (!drawing) return;
  padCtx.lineTo(e.offsetX, e.offsetY);
  padCtx.stroke();
});
window.addEventListener('pointerup', () => {
  if (drawing) {
    drawing = false;
    classify();
  }
});
$('clear').addEventListener('click', () => {
  padCtx.clearRect(0, 0, pad.width, pad.height);
  classify();
});

/** The drawing as optdigits sees a digit: cropped, scaled into 32×32, on-pixels counted in 4×4 blocks. */
function digitInput() {
  const { data, width, height } = padCtx.getImageData(0, 0, pad.width, pad.height);
  let x0 = width,
    y0 = height,
    x1 = -1,
    y1 = -1;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      if (data[(y * width + x) * 4 + 3] > 64) {
        x0 = Math.min(x0, x);
        y0 = Math.min(y0, y);
        x1 = Math.max(x1, x);
        y1 = Math.max(y1, y);
      }
    }
  const input = new Array(64).fill(0);
  if (x1 < 0) return input;
  const size = Math.max(x1 - x0, y1 - y0) + 1,
    cx = (x0 + x1) / 2,
    cy = (y0 + y1) / 2;
  for (let j = 0; j < 32; j++)
    for (let i = 0; i < 32; i++) {
      const x = Math.floor(cx + ((i + 0.5) / 32 - 0.5) * size),
        y = Math.floor(cy + ((j + 0.5) / 32 - 0.5) * size);
      const on = x >= 0 && y >= 0 && x < width && y < height && data[(y * width + x) * 4 + 3] > 64;
      if (on) input[(j >> 2) * 8 + (i >> 2)] += 1 / 16;
    }
  return input;
}

function classify() {
  const input = digitInput();
  const preview = $('preview').getContext('2d');
  input.forEach((v, k) => {
    preview.fillStyle = `rgb(${255 - v * 255},${255 - v * 255},${255 - v * 230})`;
    preview.fillRect((k % 8) * 16, (k >> 3) * 16, 16, 16);
  });
  if (!digitNet || input.every((v) => v === 0)) {
    $('guess').textContent = '–';
    $('bars').innerHTML = '';
    return;
  }
  const p = digitNet.predict(input);
  $('guess').textContent = String(p.indexOf(Math.max(...p)));
  $('bars').innerHTML = p
    .map((v, k) => `<span>${k}</span><div class="bar" style="width:${Math.max(1, v * 100)}%"></div>`)
    .join('');
}

/** A digit drawn by code, so the page shows something before anyone draws (and the tests can see it). */
function sketchSeven() {
  padCtx.beginPath();
  padCtx.moveTo(70, 60);
  padCtx.lineTo(185, 60);
  padCtx.lineTo(110, 205);
  padCtx.stroke();
}

// ---- threads ----

const threadsWorker = new Worker(new URL('./threads-worker.js', import.meta.url), { type: 'module' });

/** Posts `message` to the threads worker and resolves with its answer; progress goes to `onProgress`. One at a time. */
function ask(message, onProgress) {
  return new Promise((resolve, reject) => {
    threadsWorker.onmessage = ({ data }) => {
      if (data.type === 'progress') onProgress?.(data);
      else if (data.type === 'error') reject(new Error(data.message));
      else resolve(data);
    };
    threadsWorker.onerror = (e) => reject(new Error(`the threads worker failed: ${e.message}`));
    threadsWorker.postMessage(message);
  });
}

const cores = navigator.hardwareConcurrency || 1;
for (const value of [...Array.from({ length: Math.min(cores, 32) }, (_, i) => String(i + 1)), 'auto']) {
  const label = value === 'auto' ? `auto (${Math.min(cores, 8)})` : value;
  $('threads-count').add(new Option(label, value, false, value === 'auto'));
}

/** Why threads cannot run in this page, or null when they can. */
function whyNoThreads(auto) {
  if (!isSecureContext)
    return 'this page is not a secure context (https, or localhost), so it cannot be cross-origin isolated';
  if (!crossOriginIsolated) {
    return (
      'this page is not cross-origin isolated: it was served without the headers Cross-Origin-Opener-Policy: same-origin ' +
      'and Cross-Origin-Embedder-Policy: require-corp (or credentialless), so it has no shared memory (npm run demo sends them)'
    );
  }
  if (cores < 2) return `the browser reports ${cores} core`;
  if (auto < 2) return 'the workers of a team could not start here';
  return null;
}

/** Asks the worker what a network with threads: 'auto' runs on there, and says what that means. */
async function probeThreads() {
  const { threads } = await ask({ type: 'probe' });
  state.threads.auto = threads;
  state.threads.unavailable = whyNoThreads(threads);
  $('threads-status').textContent = state.threads.unavailable
    ? `Threads are unavailable: ${state.threads.unavailable}. A network created with threads: 'auto' in a worker here ` +
      `has net.threads = ${threads}; it trains on one thread, with the same bits.`
    : `This page is cross-origin isolated: a network created with threads: 'auto' in a worker has net.threads = ${threads} ` +
      `(${cores} cores reported; 'auto' takes at most 8). A page's main thread may not wait, so threads run in workers.`;
  $('threads-count').disabled = state.threads.unavailable !== null;
}

/** Trains the same network on one thread and on the threads chosen, in the worker, and shows samples per second. */
async function measureThreads() {
  const choice = $('threads-count').value;
  $('threads-run').disabled = true;
  // The live training on this page's thread would take a core from the measurement: it waits meanwhile.
  const wasPaused = run?.paused ?? true;
  if (run) run.paused = true;
  try {
    $('threads-result').textContent = 'Measuring…';
    const result = await ask(
      { type: 'measure', threads: choice === 'auto' ? 'auto' : Number(choice), X: digitsTrain.X, Y: digitsTrain.Y },
      ({ round, rounds }) => ($('threads-result').textContent = `Measuring… ${round} of ${rounds} epochs on each`),
    );
    state.threads.measured = { choice, ...result };
    const one = $('threads-one').children,
      many = $('threads-many').children;
    one[1].textContent = Math.round(result.one).toLocaleString();
    many[0].textContent = String(result.threads);
    many[1].textContent = Math.round(result.many).toLocaleString();
    many[2].textContent = `${result.speedUp.toFixed(2)}×`;
    $('threads-result').textContent =
      `${result.threads} threads train ${result.speedUp.toFixed(2)}× as many samples per second as one ` +
      `(median of ${result.timed} epochs of ${result.rows.toLocaleString()} images each). ` +
      (result.speedUp < 1.1
        ? 'Threads gain little when other programs keep the cores busy: a page cannot see the machine’s load, so a fit ' +
          'measures whether its team wins, and runs on one thread when it does not. '
        : '') +
      (result.sameBits
        ? `The weights are bit for bit the same${result.sha256 ? ` (SHA-256 ${result.sha256.slice(0, 16)}…)` : ''}.`
        : 'The weights differ: that is a bug, please report it.');
  } catch (error) {
    $('threads-result').textContent = `The measurement failed: ${error.message}`;
    throw error;
  } finally {
    if (run) run.paused = wasPaused;
    $('threads-run').disabled = false;
  }
}

$('threads-controls').addEventListener('submit', (e) => {
  e.preventDefault();
  void measureThreads();
});

sketchSeven();
await start();
requestAnimationFrame(frame);
const probed = probeThreads();
await trainDigits();
await probed;
// Where threads run, show what they gain at once; then the button measures again.
if (state.threads.unavailable === null) await measureThreads();
