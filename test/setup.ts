// Every test file starts with the wasm engine on the debug build of the core (assertions on),
// built by the globalSetup (test/global-setup.ts) before any test file runs. test/builds.test.ts
// checks the release build agrees.
import { readFileSync } from 'node:fs';
import { useCoreBytes } from '../src/wasm/module.js';

useCoreBytes(new Uint8Array(readFileSync(new URL('../build/debug.wasm', import.meta.url))));
