// Writes the README's tables of activations, losses and optimisers from the registry
// (src/registry.ts, as compiled to dist/), between the README's registry markers.
// test/registry.test.ts fails when the README is out of date; `npm run docs` brings it up to date.
import { readFileSync, writeFileSync } from 'node:fs';
import { registryTables } from '../dist/src/registry.js';

const readme = new URL('../README.md', import.meta.url);
const START = '<!-- registry:start -->',
  END = '<!-- registry:end -->';
const text = readFileSync(readme, 'utf8');
const [before, rest] = text.split(START);
const [, after] = rest.split(END);
writeFileSync(readme, `${before}${START}\n${registryTables()}${END}${after}`);
