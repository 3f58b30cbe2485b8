// The library in real Chromium (Debian's package, driven by playwright-core; never a browser
// download): in a page from a plain static server, in a Web Worker, in worker-mode training,
// under a Content-Security-Policy that forbids WebAssembly, through a Vite build, in the demo —
// and the wasm engine's weights bit-identical in Chromium and in Node, on both arithmetics.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect as globalExpect, it, type ExpectStatic } from 'vitest';
import { NeuralNetwork } from '../dist/src/index.js';
import { useWholeTeam } from '../dist/src/wasm/team-host.js';
import { serve } from '../scripts/serve.mjs';
// @ts-expect-error: a plain-JS page helper, shared with the pages so both sides train the same runs
import { threadsReport, xorReport } from './browser/pages/common.js';

const CHROMIUM = '/usr/bin/chromium';
const root = fileURLToPath(new URL('..', import.meta.url));
let browser: Browser;
let server: Server;
let base: string;

interface Report {
  error?: string;
  engine: string;
  predictions: number[];
  xorHex: string;
  shuffledHex: string;
  workerMatchesFit?: boolean;
  progressMessages?: number;
  wasm?: string;
  workerPredictions?: number[];
}

/** test/browser/pages/common.js's arithmeticReport: one fixed run by fit and by fitAsync in a worker. */
interface ArithmeticReport {
  arithmetic: string;
  workerArithmetic: string;
  hex: string;
  workerHex: string;
  values: number[];
}

/**
 * Opens a test page and waits for its window.result; also returns the page's uncaught errors, console
 * errors (a worker's too) and failed requests.
 */
async function open(path: string, expect: ExpectStatic): Promise<{ page: Page; report: Report; errors: string[] }> {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await page.goto(base + path);
  await page
    .waitForFunction(() => (window as unknown as { result?: unknown }).result !== undefined, null, { timeout: 45_000 })
    .catch(() => {
      throw new Error(`${path}: no result; page errors: ${errors.join(' | ')}`);
    });
  const report = await page.evaluate(() => (window as unknown as { result: Report }).result);
  expect(report.error, `${path} failed in the page`).toBeUndefined();
  return { page, report, errors };
}

/** Collects what went wrong in `page` as it happens: uncaught errors, console errors, failed requests. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    // The browser's own request for /favicon.ico, which the test pages do not name, is no error of theirs.
    if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico'))
      errors.push(`console: ${m.text()} (${m.location().url})`);
  });
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  return errors;
}

function expectXorLearned(report: Report, expect: ExpectStatic): void {
  [0, 1, 1, 0].forEach((target, i) => expect(Math.abs(report.predictions[i] - target)).toBeLessThan(0.1));
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium); .ci/run does`);
  ({ server, url: base } = await serve({ csp: "default-src 'self'; script-src 'self'" }));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  server?.close();
});

// The pages are independent (a page each, one browser, one server) and mostly wait on Chromium, so
// the tests run concurrently, each asserting with its own context's expect.
describe.concurrent('in Chromium', () => {
  // The XOR page's report, read by the two tests below: the page is loaded and trained once.
  let xorPage: Promise<Report> | undefined;
  const xorPageReport = (): Promise<Report> =>
    (xorPage ??= open('/test/browser/pages/xor.html', globalExpect).then(async ({ page, report }) => {
      await page.close();
      return report;
    }));

  it('a page on a static server imports the bundle with one relative path and trains XOR on wasm', async ({
    expect,
  }) => {
    const report = await xorPageReport();
    expect(report.engine).toBe('wasm');
    expectXorLearned(report, expect);
    expect(report.workerMatchesFit).toBe(true); // fitAsync({ worker: true }) in a Web Worker = fit
    expect(report.progressMessages).toBeLessThan(50);
  });

  it('the wasm engine trains to bit-identical weights in Chromium and in Node', async ({ expect }) => {
    const report = await xorPageReport();
    const node = (await xorReport(NeuralNetwork, 'wasm')) as Report;
    expect(report.xorHex).toBe(node.xorHex);
    expect(report.shuffledHex).toBe(node.shuffledHex);
  });

  it('threads: in a cross-origin-isolated page a team of two runs in the page’s own worker and in fitAsync’s, one thread on the page’s main thread; without isolation one thread everywhere, with no error; all with the bits of one and of two threads in Node', async ({
    expect,
  }) => {
    interface ThreadsReport {
      threads: number;
      members: number | null;
      isolated: boolean;
      inWorker: boolean;
      hex: string;
    }
    type PageReport = Record<'pageWorker' | 'fitAsyncWorker' | 'mainThread', ThreadsReport>;
    // Node's two threads run every pass on both members, however busy the machine (the bits never depend on it).
    useWholeTeam(true);
    let node: ThreadsReport[];
    try {
      node = [
        (await threadsReport(NeuralNetwork, 1)) as ThreadsReport,
        (await threadsReport(NeuralNetwork, 2)) as ThreadsReport,
      ];
    } finally {
      useWholeTeam(false);
    }
    expect(node.map((r) => [r.threads, r.members])).toEqual([
      [1, 1],
      [2, 2],
    ]);
    expect(node[1].hex).toBe(node[0].hex);

    const isolated = await open('/test/browser/pages/isolated/threads.html', expect);
    await isolated.page.close();
    const inIsolated = isolated.report as unknown as PageReport;
    const plain = await open('/test/browser/pages/threads.html', expect);
    await plain.page.close();
    const inPlain = plain.report as unknown as PageReport;
    // [isolated, in a worker, threads the network says, members that ran the fit's last call]
    const seen = (r: ThreadsReport): unknown[] => [r.isolated, r.inWorker, r.threads, r.members];
    expect(seen(inIsolated.pageWorker)).toEqual([true, true, 2, 2]); // the team really ran
    expect(seen(inIsolated.fitAsyncWorker)).toEqual([true, false, 1, 2]); // the caller's network: 1; its worker's team: 2
    expect(seen(inIsolated.mainThread)).toEqual([true, false, 1, 1]); // a page's main thread may not wait
    expect(seen(inPlain.pageWorker)).toEqual([false, true, 1, 1]); // no shared memory without isolation
    expect(seen(inPlain.fitAsyncWorker)).toEqual([false, false, 1, 1]);
    expect(seen(inPlain.mainThread)).toEqual([false, false, 1, 1]);
    for (const run of [...Object.values(inIsolated), ...Object.values(inPlain)]) expect(run.hex).toBe(node[0].hex);
    expect([...isolated.errors, ...plain.errors]).toEqual([]);
  });

  it("arithmetic 'fma' trains to the same bits in Chromium and in Node 20 with relaxed SIMD, not the portable bits", async ({
    expect,
  }) => {
    // Node 20 keeps relaxed SIMD behind a flag: its half runs in a child process started with it.
    const script = fileURLToPath(new URL('./processes/arithmetic-weights.mjs', import.meta.url));
    const node = promisify(execFile)(process.execPath, ['--experimental-wasm-relaxed-simd', script], {
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });
    const { page, report } = await open('/test/browser/pages/arithmetic.html', expect);
    await page.close();
    const inPage = report as unknown as Record<'fma' | 'portable', ArithmeticReport>;
    const inNode = JSON.parse((await node).stdout) as Record<'fma' | 'portable', ArithmeticReport>;
    for (const run of [inPage, inNode]) {
      // Both fuse relaxed_madd on this machine (the probe), so both run the FMA build, in fitAsync's worker too.
      expect(run.fma.arithmetic).toBe('fma');
      expect(run.fma.workerArithmetic).toBe('fma');
      expect(run.fma.workerHex).toBe(run.fma.hex);
      expect(run.portable.arithmetic).toBe('portable');
      expect(run.portable.workerHex).toBe(run.portable.hex);
    }
    expect(inPage.fma.hex).toBe(inNode.fma.hex);
    expect(inPage.portable.hex).toBe(inNode.portable.hex);
    // One rounding instead of two per multiply-add: other bits, the same training. Measured: 582 of the
    // 880 parameters differ, by at most 9e-8, after these 48 Adam steps; the bound leaves three decades.
    expect(inNode.fma.hex).not.toBe(inNode.portable.hex);
    const drift = Math.max(...inNode.fma.values.map((v, i) => Math.abs(v - inNode.portable.values[i])));
    expect(drift).toBeGreaterThan(0);
    expect(drift).toBeLessThan(1e-4);
  });

  it('inside a module Web Worker, with no configuration', async ({ expect }) => {
    const { page, report } = await open('/test/browser/pages/worker.html', expect);
    expect(report.engine).toBe('wasm');
    expectXorLearned(report, expect);
    await page.close();
  });

  it('under a CSP without wasm-unsafe-eval, auto falls back to the pure-TS engine and says so', async ({ expect }) => {
    const { page, report } = await open('/test/browser/pages/csp/', expect);
    expect(report.engine).toBe('js');
    expectXorLearned(report, expect);
    // engine 'wasm' is refused with a typed error that says why and what works instead.
    expect(report.wasm).toMatch(
      /^ValueError \(engine\): engine 'wasm' cannot compile WebAssembly here .*'wasm-unsafe-eval'.*'auto'.*'js'/,
    );
    await page.close();
  });

  it('through a Vite build with the default configuration, worker mode included', async ({ expect }) => {
    const app = fileURLToPath(new URL('./browser/vite-app/', import.meta.url));
    // Install the package the way an application would have it: node_modules/backprop-wasm.
    mkdirSync(`${app}node_modules`, { recursive: true });
    rmSync(`${app}node_modules/backprop-wasm`, { force: true, recursive: true });
    symlinkSync(root, `${app}node_modules/backprop-wasm`, 'dir');
    // base './' only because this test serves the app from a sub-folder; nothing about backprop-wasm.
    await build({ root: app, base: './', logLevel: 'error', build: { outDir: `${app}dist`, emptyOutDir: true } });
    const { page, report } = await open('/test/browser/vite-app/dist/', expect);
    expect(report.engine).toBe('wasm');
    expectXorLearned(report, expect);
    report.workerPredictions!.forEach((p, i) => expect(p).toBe(report.predictions[i]));
    await page.close();
  }, 120_000);

  it('the demo trains live: the boundary is drawn, the loss falls, and a drawn digit is read; served without isolation it says why threads are unavailable', async ({
    expect,
  }) => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = watchErrors(page);
    await page.goto(`${base}/examples/playground/`);
    await page.waitForFunction(
      () => {
        const p = (window as unknown as { playground?: Playground }).playground;
        return (
          p !== undefined &&
          p.digitsAccuracy !== null &&
          p.epochs.wasm > 2000 &&
          p.epochs.js > 0 &&
          p.threads.auto !== null
        );
      },
      null,
      { timeout: 60_000 },
    );
    expect(errors).toEqual([]);
    const state = await page.evaluate(() => (window as unknown as { playground: Playground }).playground);
    expect(state.losses.at(-1)!).toBeLessThan(state.losses[0] / 2);
    expect(state.digitsAccuracy!).toBeGreaterThan(0.93);
    const colours = await page.evaluate(() => {
      const canvas = document.getElementById('field') as HTMLCanvasElement;
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      const seen = new Set<number>();
      for (let i = 0; i < data.length; i += 4 * 97) seen.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
      return seen.size;
    });
    expect(colours).toBeGreaterThan(50); // a gradient heat map with points, not a blank canvas
    expect(await page.textContent('#guess')).toBe('7'); // the page's sketched 7
    // This server sends no COOP/COEP for the page: no shared memory, so a network asking for 'auto' in
    // the playground's worker runs on one thread, and the page says why, measuring nothing.
    expect(state.threads).toMatchObject({ isolated: false, auto: 1, measured: null });
    expect(state.threads.unavailable).toMatch(/not cross-origin isolated.*Cross-Origin-Opener-Policy/);
    expect(await page.textContent('#threads-status')).toMatch(/^Threads are unavailable: .*net\.threads = 1/);
    expect(await page.isDisabled('#threads-run')).toBe(true);
    const shot = await page.screenshot({ fullPage: true });
    expect(shot.length).toBeGreaterThan(20_000);
    await page.close();
  }, 90_000);

  it('npm run demo serves the playground cross-origin isolated: every resource loads, and the threads card measures samples per second on one thread and on auto, with the same bits', async ({
    expect,
  }) => {
    // The server npm run demo starts (after the build), on a free port.
    const demo = spawn(process.execPath, [fileURLToPath(new URL('../scripts/serve.mjs', import.meta.url)), '0'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        demo.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const served = /serving .* at (http:\/\/\S+?)\/? /.exec(out);
          if (served) resolve(served[1]);
        });
        demo.on('exit', (code) => reject(new Error(`scripts/serve.mjs exited (${code}): ${out}`)));
      });
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors = watchErrors(page);
      await page.goto(`${url}/examples/playground/`);
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
      await page.waitForFunction(
        () => {
          const p = (window as unknown as { playground?: Playground }).playground;
          return p?.threads.measured != null || p?.threads.unavailable != null;
        },
        null,
        { timeout: 60_000 },
      );
      const { threads } = await page.evaluate(() => (window as unknown as { playground: Playground }).playground);
      const cores = await page.evaluate(() => navigator.hardwareConcurrency);
      expect(errors).toEqual([]);
      expect(threads.unavailable).toBeNull();
      expect(threads.auto).toBe(Math.min(8, cores));
      const measured = threads.measured!;
      expect(measured).toMatchObject({ choice: 'auto', threads: Math.min(8, cores), sameBits: true });
      expect(measured.sha256).toMatch(/^[0-9a-f]{64}$/);
      // No threshold on the speed-up: this machine is shared. It is measured and shown.
      expect(measured.one).toBeGreaterThan(0);
      expect(measured.many).toBeGreaterThan(0);
      expect(await page.textContent('#threads-many td:last-child')).toBe(`${measured.speedUp.toFixed(2)}×`);
      console.log(
        `playground, ${measured.threads} threads: ${Math.round(measured.many)} samples/s, one thread ${Math.round(measured.one)}: ×${measured.speedUp.toFixed(2)}`,
      );
      await page.close();
    } finally {
      demo.kill();
    }
  }, 90_000);
});

/** window.playground, what examples/playground/playground.js shows the tests. */
interface Playground {
  epochs: { wasm: number; js: number };
  losses: number[];
  digitsAccuracy: number | null;
  threads: {
    isolated: boolean;
    auto: number | null;
    unavailable: string | null;
    measured: {
      choice: string;
      threads: number;
      one: number;
      many: number;
      speedUp: number;
      sameBits: boolean;
      sha256: string | null;
    } | null;
  };
}
