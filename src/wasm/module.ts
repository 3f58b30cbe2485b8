// The compiled WebAssembly core module: decoded from the embedded bytes, compiled once, shared by
// every network (each network gets its own instance and memory).
import { RELEASE_WASM } from '../../build/release-wasm.js';

export interface CoreModule {
  module: WebAssembly.Module;
  /** First byte after the core's static data, 16-byte aligned: where arenas start. */
  arenaBase: number;
}

let pending: Promise<CoreModule> | undefined;

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

async function compile(bytes: Uint8Array<ArrayBuffer>): Promise<CoreModule> {
  const module = await WebAssembly.compile(bytes);
  // One throwaway instance over a small memory tells where the static data ends.
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1 });
  const { exports } = await WebAssembly.instantiate(module, { env: { memory, abort: () => {} } });
  const dataEnd = (exports.dataEnd as () => number)();
  return { module, arenaBase: Math.ceil(dataEnd / 16) * 16 };
}

/** The core every new wasm network uses: the embedded release build unless replaced by useCoreBytes. */
export function loadCore(): Promise<CoreModule> {
  if (!pending) {
    const loading = compile(decode(RELEASE_WASM));
    // A failure is not remembered: a memory refused now may be granted later (a CSP refusal simply repeats).
    loading.catch(() => {
      if (pending === loading) pending = undefined;
    });
    pending = loading;
  }
  return pending;
}

/**
 * Makes networks created from now on use another build of the core: the tests use the debug
 * build (assertions on), the benchmarks the scalar one. `undefined` restores the release build.
 */
export function useCoreBytes(bytes: Uint8Array<ArrayBuffer> | undefined): void {
  pending = bytes === undefined ? undefined : compile(bytes);
}

/** The smallest module using a v128 instruction: whether this host runs WebAssembly SIMD. */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

export function wasmSimdAvailable(): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}
