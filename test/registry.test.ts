// The registries are the single source of the names: validation, error messages, the README's
// tables and the engines all follow them, so adding an entry needs no edit here.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NeuralNetwork, ValueError, type NetworkOptions } from '../src/index.js';
import {
  ACTIVATION_NAMES,
  ACTIVATIONS,
  LOSS_NAMES,
  LOSSES,
  OPTIMIZER_NAMES,
  OPTIMIZERS,
  OUTPUT_ACTIVATION_NAMES,
  registryTables,
  type LossEntry,
  type SettingEntry,
} from '../src/registry.js';
import { ENGINES, XOR_X, XOR_Y } from './helpers.js';

async function refusal(options: NetworkOptions): Promise<ValueError> {
  const error = await NeuralNetwork.create(options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValueError);
  return error as ValueError;
}

describe('registries', () => {
  it('the README tables are the ones the registry writes (npm run docs)', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const block = readme.split('<!-- registry:start -->\n')[1]?.split('<!-- registry:end -->')[0];
    expect(block).toBe(registryTables());
  });

  it('an unknown name is refused with every registered name listed, naming the option', async () => {
    const cases: [keyof NetworkOptions, readonly string[]][] = [
      ['activation', ACTIVATION_NAMES],
      ['outputActivation', OUTPUT_ACTIVATION_NAMES],
      ['loss', LOSS_NAMES],
      ['optimizer', OPTIMIZER_NAMES],
    ];
    for (const [option, names] of cases) {
      const error = await refusal({ layers: [2, 2], [option]: 'noSuchName' });
      expect(error.option).toBe(option);
      for (const name of names) expect(error.message).toContain(`'${name}'`);
    }
    for (const name of OUTPUT_ACTIVATION_NAMES.filter((n) => !ACTIVATIONS[n].hidden)) {
      expect((await refusal({ layers: [2, 2, 2], activation: name as never })).option).toBe('activation');
    }
  });

  describe.each(ENGINES)('%s engine', (engine) => {
    it('every activation, as hidden (where allowed) and as output, with every loss that accepts it, trains; classify follows the registry', async () => {
      for (const output of OUTPUT_ACTIVATION_NAMES) {
        for (const loss of LOSS_NAMES) {
          const accepts = (LOSSES[loss] as LossEntry).outputs;
          const options: NetworkOptions = { layers: [2, 3, 2], outputActivation: output, loss, seed: 1, engine };
          if (accepts && !accepts.includes(output)) {
            expect((await refusal(options)).option).toBe('loss');
            continue;
          }
          for (const hidden of ACTIVATION_NAMES) {
            const net = await NeuralNetwork.create({ ...options, activation: hidden });
            const y = XOR_Y.map(([t]) => [t, 1 - t]);
            const loss0 = net.fitPartial(XOR_X, y);
            expect(Number.isFinite(loss0), `${hidden} → ${output}, ${loss}`).toBe(true);
            expect('accuracy' in net.evaluate(XOR_X, y)).toBe(ACTIVATIONS[output].classifies);
            net.dispose();
          }
        }
      }
    });

    it('every optimiser trains with its defaults, reports them, and refuses each setting out of its range, naming it', async () => {
      for (const type of OPTIMIZER_NAMES) {
        const settings: Record<string, SettingEntry> = OPTIMIZERS[type].settings;
        const net = await NeuralNetwork.create({ layers: [2, 3, 1], optimizer: type, seed: 2, engine });
        const defaults = Object.fromEntries(Object.entries(settings).map(([key, s]) => [key, s.default]));
        expect(net.optimizer).toEqual({ type, ...defaults });
        net.fit(XOR_X, XOR_Y, { epochs: 3, displayUpdate: 0 });
        expect(net.toJSON({ trainingState: true }).trainingState!.moments).toHaveLength(
          OPTIMIZERS[type].stateVectors * 13,
        );
        for (const [key, s] of Object.entries(settings)) {
          const bad = s.type === 'boolean' ? 'yes' : (s.max ?? Infinity) < Infinity ? s.max : -1;
          expect((await refusal({ layers: [2, 1], optimizer: { type, [key]: bad } as never })).option).toBe(
            `optimizer.${key}`,
          );
        }
        expect((await refusal({ layers: [2, 1], optimizer: { type, noSuchSetting: 1 } as never })).option).toBe(
          'noSuchSetting',
        );
        net.dispose();
      }
    });
  });
});
