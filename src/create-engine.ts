// Choosing and constructing an engine: the WebAssembly core where it runs, the pure-TS engine elsewhere.
import type { Engine, NetworkShape } from './engine.js';
import { MemoryError, ValueError } from './errors.js';
import { ARENA_LIMIT } from './plan.js';
import { JsEngine } from './js/engine.js';
import type { Arithmetic, EngineChoice } from './options.js';
import { WasmEngine } from './wasm/engine.js';
import { coreVariant, fmaAvailable, loadCore, wasmSimdAvailable } from './wasm/module.js';
import { autoThreads, setUpThreads } from './wasm/team-host.js';

/**
 * 'wasm' insists on the WebAssembly core; 'auto' takes it where WebAssembly with SIMD validates
 * and compiles (a Content-Security-Policy may forbid compiling), and the pure-TS engine elsewhere.
 * `threads` > 1 makes the wasm engine a team of that many threads where this host can run them
 * (setUpThreads says when not: then it runs on one, with the same bits).
 */
export async function createEngine(
  choice: EngineChoice,
  shape: NetworkShape,
  threads: number | 'auto' = 1,
  arithmetic: Arithmetic = 'portable',
): Promise<Engine> {
  if (choice === 'js') return new JsEngine(shape);
  if (choice === 'wasm' && !wasmSimdAvailable()) {
    throw new ValueError(
      'engine',
      "engine 'wasm' needs WebAssembly with SIMD, which this host lacks; use 'auto' or 'js'",
    );
  }
  if (choice === 'auto' && !wasmSimdAvailable()) return new JsEngine(shape);
  const count = threads === 'auto' ? await autoThreads() : threads;
  const team = count > 1 && (await setUpThreads()) === undefined ? count : 1;
  let core;
  try {
    core = await loadCore(coreVariant(team > 1, arithmetic === 'fma' && fmaAvailable()));
  } catch (error) {
    if (error instanceof RangeError) {
      // The core's first small memory was refused: the host is out of memory, not forbidding WebAssembly.
      throw new MemoryError(
        'memory',
        65536,
        ARENA_LIMIT,
        `the host refused memory to load the WebAssembly core (${error.message})`,
      );
    }
    if (choice === 'auto') return new JsEngine(shape); // compiling WebAssembly is forbidden here
    throw new ValueError(
      'engine',
      `engine 'wasm' cannot compile WebAssembly here (${(error as Error).message}): a Content-Security-Policy without ` +
        "'wasm-unsafe-eval' forbids it. engine 'auto' falls back to the pure-TS engine, or choose 'js'",
    );
  }
  const engine = new WasmEngine(shape, core, team);
  await engine.started();
  return engine;
}
