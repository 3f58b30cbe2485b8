// The team, the twin of assembly/team.ts: the pure-TS engine is always a team of one (member 0), so
// its barrier waits for nobody and every share is the whole. The shares are computed as the core
// computes them, so that the model functions read the same in both engines.

/** Job codes (H_JOB): what the members run when the generation word moves. */
export const JOB_EXIT = 0; // leave workerLoop (nextJob's answer once the team has ended)
export const JOB_EPOCHS = 1;
export const JOB_STEP = 2;
export const JOB_FORWARD = 3;
export const JOB_BACKWARD = 4;

/** Spins of a wait before it sleeps, when the host has not set H_SPIN: some tens of microseconds, longer than a step's usual imbalance between members (a sleep and a wake cost as much again). */
export const DEFAULT_SPIN = 50000;

/** H_READY's bit that ends the team for good: workers leave, and no job counts on them. */
export const TEAM_ENDED = 0x80000000;

/** The most members a team has: the host's instance and a worker per lower bit of H_READY. */
export const MAX_MEMBERS = 32;

/** This instance's place in the team: the host's. */
export function teamMember(): number {
  return 0;
}

/** How many members run the job in progress. */
export function teamSize(): number {
  return 1;
}

/** Every member has arrived: there is only this one. */
export function barrier(): void {}

/**
 * Where share `part` of `parts` begins when `n` rows or units are cut at multiples of 4: the blocks
 * of four are dealt out evenly, the first members taking one more, and the last share also takes
 * the n % 4 left over. shareStart(n, parts, parts) = n.
 */
export function shareStart(n: number, part: number, parts: number): number {
  if (part >= parts) return n;
  const blocks = n >> 2,
    each = Math.floor(blocks / parts),
    extra = blocks % parts;
  return (part * each + Math.min(part, extra)) << 2;
}
