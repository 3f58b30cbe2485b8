// The compiled WebAssembly core modules: decoded from the embedded bytes, compiled once, shared by
// every network (each network gets its own instance and memory). Two builds of one source: the
// portable one, and the threads one, whose memory is shared and whose instances can work as a team
// (assembly/team.ts); its bytes are imported only when a network asks for threads.
import { WASM as RELEASE_WASM } from '../../build/release-wasm.js';

/** Which build of the core: 'portable' (the release build) or 'threads' (shared memory, atomics). */
export type CoreVariant = 'portable' | 'threads';

export interface CoreModule {
  variant: CoreVariant;
  module: WebAssembly.Module;
  /** First byte after the core's static data, 64-byte aligned (the team's control words fill one cache line): where arenas start. */
  arenaBase: number;
}

const BYTES: Record<CoreVariant, () => Promise<string>> = {
  portable: () => Promise.resolve(RELEASE_WASM),
  threads: async () => (await import('../../build/threads-wasm.js')).WASM,
};

const pending = new Map<CoreVariant, Promise<CoreModule>>();

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

async function compile(variant: CoreVariant, bytes: Uint8Array<ArrayBuffer>): Promise<CoreModule> {
  const module = await WebAssembly.compile(bytes);
  // One throwaway instance over a small memory tells where the static data ends.
  const shared = variant === 'threads';
  const memory = new WebAssembly.Memory({ initial: 1, maximum: shared ? 65536 : 1, shared });
  const { exports } = await WebAssembly.instantiate(module, { env: { memory, abort: () => {} } });
  const dataEnd = (exports.dataEnd as () => number)();
  return { variant, module, arenaBase: Math.ceil(dataEnd / 64) * 64 };
}

/** The core `variant` that new wasm networks use: the embedded build unless replaced by useCoreBytes. */
export function loadCore(variant: CoreVariant = 'portable'): Promise<CoreModule> {
  let loading = pending.get(variant);
  if (!loading) {
    const started = BYTES[variant]().then((text) => compile(variant, decode(text)));
    // A failure is not remembered: a memory refused now may be granted later (a CSP refusal simply repeats).
    started.catch(() => {
      if (pending.get(variant) === started) pending.delete(variant);
    });
    pending.set(variant, started);
    loading = started;
  }
  return loading;
}

/**
 * Makes networks created from now on use another build of the core as `variant`: the tests use the
 * debug build (assertions on), the benchmarks the scalar one. `undefined` restores the embedded build.
 */
export function useCoreBytes(bytes: Uint8Array<ArrayBuffer> | undefined, variant: CoreVariant = 'portable'): void {
  if (bytes === undefined) pending.delete(variant);
  else pending.set(variant, compile(variant, bytes));
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
