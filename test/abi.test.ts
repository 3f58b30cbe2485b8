// The constants crossing the engine boundary are the same on both sides, file by twin file, and the
// header's words do not collide: the plan's below the persistent block, the persistent block whole.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as abi from '../src/abi.js';
import { JsEngine } from '../src/js/engine.js';
import { networkShape, resolveNetworkOptions } from '../src/options.js';

function constants(path: string): Map<string, string> {
  const text = readFileSync(new URL(path, import.meta.url), 'utf8');
  return new Map(
    [...text.matchAll(/^export const (\w+)(?::\s*\w+)?\s*=\s*([^;]+);/gm)].map((m) => [m[1], m[2].trim()]),
  );
}

/** Each file of the core and its twin: assembly/abi.ts ↔ src/abi.ts, assembly/X.ts ↔ src/js/X.ts. */
const TWINS = readdirSync(new URL('../assembly/', import.meta.url))
  .filter((file) => file.endsWith('.ts') && file !== 'index.ts')
  .map((file) => [`../assembly/${file}`, file === 'abi.ts' ? '../src/abi.ts' : `../src/js/${file}`] as const);

describe('ABI', () => {
  it.each(TWINS)('%s and %s declare the same constants with the same values', (core, host) => {
    expect([...constants(core).entries()].sort()).toEqual([...constants(host).entries()].sort());
  });

  it('the codes of each concept are distinct', () => {
    const all = TWINS.map(([, host]) => constants(host));
    for (const prefix of ['ACT_', 'LOSS_', 'OPT_', 'KIND_', 'INIT_']) {
      const codes = all.flatMap((c) => [...c].filter(([name]) => name.startsWith(prefix)).map(([, value]) => value));
      expect(codes.length, prefix).toBeGreaterThan(1);
      expect(new Set(codes).size, prefix).toBe(codes.length);
    }
  });

  it('header words do not collide; the plan, the persistent block, the team control words and the layer records in that order', () => {
    const { H_PERSISTENT, H_PERSISTENT_END, H_LAYER_BASE } = abi;
    // How many words each field takes: the generator's state, the f64 fields, the optimiser's settings.
    const size: Record<string, number> = {
      H_RNG: 4,
      H_LEARNING_RATE: 2,
      H_BETA1_POWER: 2,
      H_BETA2_POWER: 2,
      H_SETTINGS: abi.SETTING_SLOTS,
      H_JOB_ARGS: 4,
      H_CLIP_SCALE: 2,
    };
    const markers = ['H_PERSISTENT', 'H_PERSISTENT_END', 'H_LAYER_BASE'];
    const used = new Map<number, string>();
    for (const [name, first] of Object.entries(abi).filter(([k]) => k.startsWith('H_') && !markers.includes(k)) as [
      string,
      number,
    ][]) {
      for (let w = first; w < first + (size[name] ?? 1); w++) {
        expect(used.get(w), `${name} and ${used.get(w)} share word ${w}`).toBeUndefined();
        used.set(w, name);
      }
    }
    const persistent = [
      'H_RNG',
      'H_LEARNING_RATE',
      'H_BETA1_POWER',
      'H_BETA2_POWER',
      'H_STEP',
      'H_OPTIMIZER',
      'H_CLASSIFY',
      'H_L2',
      'H_CLIP',
      'H_SETTINGS',
    ];
    const control = [
      'H_TEAM',
      'H_JOB',
      'H_JOB_ARGS',
      'H_JOB_GEN',
      'H_JOB_SLEEPERS',
      'H_ARRIVED',
      'H_BARRIER_GEN',
      'H_BARRIER_SLEEPERS',
      'H_SPIN',
      'H_CLIP_SCALE',
      'H_READY',
      'H_MEMBERS',
    ];
    for (const [w, name] of used) {
      if (persistent.includes(name)) expect(w >= H_PERSISTENT && w < H_PERSISTENT_END, name).toBe(true);
      else if (control.includes(name)) expect(w >= H_PERSISTENT_END && w < H_LAYER_BASE, name).toBe(true);
      else expect(w, name).toBeLessThan(H_PERSISTENT);
    }
    // The control words share one 64-byte cache line with nothing else (the arena's base is 64-byte aligned).
    expect(H_PERSISTENT_END % 16).toBe(0);
    expect(H_LAYER_BASE - H_PERSISTENT_END).toBe(16);
    for (const name of ['H_LEARNING_RATE', 'H_BETA1_POWER', 'H_BETA2_POWER', 'H_CLIP_SCALE'])
      expect(abi[name as 'H_STEP'] % 2, `${name} is 8-byte aligned`).toBe(0);
    expect(abi.H_RNG % 4).toBe(0);
    expect(H_PERSISTENT_END).toBeLessThanOrEqual(H_LAYER_BASE);
    const fields = Object.entries(abi)
      .filter(([k]) => k.startsWith('L_'))
      .map(([, v]) => v as number);
    expect(new Set(fields).size).toBe(fields.length);
    expect(Math.max(...fields)).toBeLessThan(abi.LAYER_WORDS);
  });

  it('re-planning carries every word of the persistent block over, whatever it holds', () => {
    const engine = new JsEngine(networkShape(resolveNetworkOptions({ layers: [3, 4, 2], seed: 1, optimizer: 'adam' })));
    const words = (): Uint32Array =>
      new Uint32Array(
        (engine as unknown as { arena: { u: Uint32Array } }).arena.u.buffer,
        0,
        abi.H_PERSISTENT_END,
      ).slice(abi.H_PERSISTENT);
    const view = new Uint32Array((engine as unknown as { arena: { u: Uint32Array } }).arena.u.buffer);
    for (let w = abi.H_PERSISTENT; w < abi.H_PERSISTENT_END; w++) view[w] = Math.imul(w, 2654435761) >>> 0;
    const before = words();
    engine.reserve(1000, 5000);
    expect(engine.plan.passRows).toBe(1000);
    expect(words()).toEqual(before);
  });
});
