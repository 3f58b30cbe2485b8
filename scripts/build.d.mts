// Types of scripts/build.mjs, for the tests' globalSetup that runs it.
/** Builds whatever is stale (the ceiling module too with `bench`); resolves with the wasm targets it rebuilt. */
export declare function build(options?: {
  bench?: boolean;
  force?: boolean;
  log?: (line: string) => void;
}): Promise<Set<string>>;
