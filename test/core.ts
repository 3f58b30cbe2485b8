// Direct access to a build of the WebAssembly core, for kernel-level tests.
import { instantiateSync } from '@assemblyscript/loader';
import { readFileSync } from 'node:fs';

export type Build = 'debug' | 'release' | 'scalar';
export const BUILDS: Build[] = ['debug', 'release', 'scalar'];

export function coreBytes(build: Build): Uint8Array<ArrayBuffer> {
  return new Uint8Array(readFileSync(new URL(`../build/${build}.wasm`, import.meta.url)));
}

/** An instance of `build` over `pages` of fresh memory; addresses from `heap` on are free. */
export function coreInstance(build: Build, pages = 64) {
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  const { instance } = instantiateSync(new WebAssembly.Module(coreBytes(build)), { env: { memory } });
  const exports = instance.exports as Record<string, (...args: number[]) => number>;
  const heap = Math.ceil(exports.dataEnd() / 16) * 16;
  return { exports, memory, f32: new Float32Array(memory.buffer), heap };
}
