// Direct access to a build of the WebAssembly core, for kernel-level tests.
import { instantiateSync } from '@assemblyscript/loader';
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';

export type Build = 'debug' | 'release' | 'scalar' | 'fma';
/** The builds the kernel suite runs. 'fma' (relaxed SIMD) compiles only after enableRelaxedSimd() in Node 20. */
export const BUILDS: Build[] = ['debug', 'release', 'scalar', 'fma'];

/**
 * Turns on WebAssembly's relaxed SIMD in this process, which Node 20 keeps behind
 * --experimental-wasm-relaxed-simd (Node 22 has it on): the fma build compiles, and the FMA probe
 * (fmaAvailable) says yes from then on. Vitest runs each test file in a process of its own, so this
 * reaches no other file, and only a file that calls it sees the change.
 */
export function enableRelaxedSimd(): void {
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
}

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
