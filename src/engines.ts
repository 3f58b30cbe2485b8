// Choosing and constructing an engine.
import type { Engine, NetworkShape } from './engine.js';
import { JsEngine } from './js/engine.js';
import { ValueError } from './errors.js';
import type { EngineChoice } from './options.js';

export async function createEngine(choice: EngineChoice, shape: NetworkShape): Promise<Engine> {
  if (choice === 'wasm') throw new ValueError('engine', "engine 'wasm' is not available in this build; use 'js' or 'auto'");
  return new JsEngine(shape);
}
