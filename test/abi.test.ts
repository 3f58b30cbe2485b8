// The codes and header layout crossing the engine boundary are the same on both sides.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

function constants(path: string): Map<string, string> {
  const text = readFileSync(new URL(path, import.meta.url), 'utf8');
  return new Map([...text.matchAll(/^export const (\w+)(?::\s*\w+)?\s*=\s*([^;]+);/gm)].map((m) => [m[1], m[2].trim()]));
}

describe('ABI', () => {
  it('assembly/abi.ts and src/abi.ts declare the same constants with the same values', () => {
    const core = constants('../assembly/abi.ts'), host = constants('../src/abi.ts');
    expect(host.size).toBeGreaterThan(30);
    expect([...core.entries()].sort()).toEqual([...host.entries()].sort());
  });

  it('header fields do not collide', async () => {
    const abi = await import('../src/abi.js');
    const header = Object.entries(abi).filter(([k]) => k.startsWith('H_') && k !== 'H_LAYER_BASE' && k !== 'H_RNG');
    const words = header.map(([, v]) => v as number);
    words.push(abi.H_RNG, abi.H_RNG + 1, abi.H_RNG + 2, abi.H_RNG + 3);
    expect(new Set(words).size).toBe(words.length);
    expect(Math.max(...words)).toBeLessThan(abi.H_LAYER_BASE);
    const fields = Object.entries(abi).filter(([k]) => k.startsWith('L_')).map(([, v]) => v as number);
    expect(new Set(fields).size).toBe(fields.length);
    expect(Math.max(...fields)).toBeLessThan(abi.LAYER_WORDS);
  });
});
