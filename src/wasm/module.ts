// The compiled WebAssembly core modules: decoded from the embedded bytes, compiled once, shared by
// every network (each network gets its own instance and memory). Four builds of one source: the
// portable one; 'threads', whose memory is shared and whose instances can work as a team
// (assembly/team.ts); and each of them with fused multiply-adds in the matrix products ('fma',
// --enable relaxed-simd). Only the portable bytes are imported up front; the others when asked for.
import { WASM as RELEASE_WASM } from '../../build/release-wasm.js';

/** Which build of the core: portable or with fused multiply-adds, alone or as a team over shared memory. */
export type CoreVariant = 'portable' | 'threads' | 'fma' | 'threads-fma';

/** The build with these features. */
export function coreVariant(threads: boolean, fma: boolean): CoreVariant {
  return threads ? (fma ? 'threads-fma' : 'threads') : fma ? 'fma' : 'portable';
}

export interface CoreModule {
  variant: CoreVariant;
  /** Its memory is shared and its instances can work as a team (the threads builds). */
  shared: boolean;
  /** Its matrix products use relaxed_madd (the FMA builds). */
  fma: boolean;
  module: WebAssembly.Module;
  /** First byte after the core's static data, 64-byte aligned (the team's control words fill one cache line): where arenas start. */
  arenaBase: number;
}

const BYTES: Record<CoreVariant, () => Promise<string>> = {
  portable: () => Promise.resolve(RELEASE_WASM),
  threads: async () => (await import('../../build/threads-wasm.js')).WASM,
  fma: async () => (await import('../../build/fma-wasm.js')).WASM,
  'threads-fma': async () => (await import('../../build/threads-fma-wasm.js')).WASM,
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
  const shared = variant.startsWith('threads');
  // One page is enough to ask, and a maximum within any build's (a host may refuse to reserve 4 GiB).
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared });
  const { exports } = await WebAssembly.instantiate(module, { env: { memory, abort: () => {} } });
  const dataEnd = (exports.dataEnd as () => number)();
  return { variant, shared, fma: variant.endsWith('fma'), module, arenaBase: Math.ceil(dataEnd / 64) * 64 };
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

/** Four f32 lanes of the same bits, as v128.const's 16 bytes (little-endian). */
const lanes = (bits: number): number[] => [...new Uint8Array(Uint32Array.of(bits, bits, bits, bits).buffer)];

/**
 * A module whose one function returns lane 0 of f32x4.relaxed_madd(a, b, c) for a = 1 + 2⁻²³,
 * b = 1 − 2⁻²³, c = −1: fused, the exact a·b − 1 = −2⁻⁴⁶; unfused, a·b rounds to 1 and the sum is 0.
 * 92 bytes: the header, then a section per line (its id, its size in bytes, its content; every size
 * and count is below 128, so each LEB128 number is one byte).
 */
// prettier-ignore
const FMA_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7d,       // type section: 1 type, a function () → (f32)
  0x03, 0x02, 0x01, 0x00,                         // function section: 1 function, of type 0
  0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00,       // export section: 1 export, "f", the function 0
  0x0a, 0x40, 0x01, 0x3e, 0x00,                   // code section: 1 body of 62 bytes, no locals:
  0xfd, 0x0c, ...lanes(0x3f800001),               //   v128.const a = 1 + 2⁻²³ in every lane
  0xfd, 0x0c, ...lanes(0x3f7ffffe),               //   v128.const b = 1 − 2⁻²³
  0xfd, 0x0c, ...lanes(0xbf800000),               //   v128.const c = −1
  0xfd, 0x85, 0x02,                               //   f32x4.relaxed_madd (SIMD prefix, LEB128 0x105)
  0xfd, 0x1f, 0x00,                               //   f32x4.extract_lane 0
  0x0b,                                           //   end
]);

/**
 * Whether this host runs WebAssembly's relaxed SIMD with a fused relaxed_madd: only then does the
 * FMA build run, and then its bits are the same on every such host.
 */
export function fmaAvailable(): boolean {
  try {
    if (typeof WebAssembly !== 'object' || !WebAssembly.validate(FMA_PROBE)) return false;
    const { exports } = new WebAssembly.Instance(new WebAssembly.Module(FMA_PROBE));
    return (exports.f as () => number)() === -(2 ** -46);
  } catch {
    return false;
  }
}
