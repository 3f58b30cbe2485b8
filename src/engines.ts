// Choosing and constructing an engine.
import type { Engine, NetworkShape } from './engine.js';
import { ValueError } from './errors.js';
import { JsEngine } from './js/engine.js';
import type { EngineChoice } from './options.js';
import { WasmEngine } from './wasm/engine.js';
import { loadCore, wasmSimdAvailable } from './wasm/module.js';

/**
 * 'wasm' insists on the WebAssembly core; 'auto' takes it where WebAssembly with SIMD validates
 * and compiles (a Content-Security-Policy may forbid compiling), and the pure-TS engine elsewhere.
 */
export async function createEngine(choice: EngineChoice, shape: NetworkShape): Promise<Engine> {
  if (choice === 'js') return new JsEngine(shape);
  if (choice === 'wasm') {
    if (!wasmSimdAvailable()) throw new ValueError('engine', "engine 'wasm' needs WebAssembly with SIMD, which this host lacks; use 'auto' or 'js'");
    let core;
    try {
      core = await loadCore();
    } catch (error) {
      throw new ValueError('engine',
        `engine 'wasm' cannot compile WebAssembly here (${(error as Error).message}): a Content-Security-Policy without ` +
        "'wasm-unsafe-eval' forbids it. engine 'auto' falls back to the pure-TS engine, or choose 'js'");
    }
    return new WasmEngine(shape, core);
  }
  if (!wasmSimdAvailable()) return new JsEngine(shape);
  let core;
  try {
    core = await loadCore();
  } catch {
    return new JsEngine(shape); // compiling WebAssembly is forbidden here
  }
  return new WasmEngine(shape, core);
}
