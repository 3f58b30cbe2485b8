// The team that computes one job on several threads, the twin of src/js/team.ts: which member this
// instance is, how a job is posted to the other members and awaited, the barrier, and how rows and
// units are shared. Every member is an instance of the threads build over one shared memory; the
// host's instance is member 0 and runs each job's serial parts, the others wait in workerLoop.
// Shares are cut at multiples of 4 rows or units, so that every row and unit takes the same kernel
// path (a block of four or the remainder) whatever the team's size: the bits do not depend on it.
import {
  H_ARRIVED, H_BARRIER_GEN, H_BARRIER_SLEEPERS, H_JOB, H_JOB_ARGS, H_JOB_GEN, H_JOB_SLEEPERS, H_MEMBERS, H_READY, H_SPIN, H_TEAM,
} from './abi';

/** Job codes (H_JOB): what the members run when the generation word moves. */
export const JOB_EXIT = 0; // leave workerLoop (nextJob's answer once the team has ended)
export const JOB_EPOCHS = 1; // trainEpochs(epochs, rows, batchSize, shuffle)
export const JOB_STEP = 2; // trainBatch(rows)
export const JOB_FORWARD = 3; // forward(rows, training)
export const JOB_BACKWARD = 4; // backward(rows)

/** Spins of a wait before it sleeps, when the host has not set H_SPIN: some tens of microseconds, longer than a step's usual imbalance between members (a sleep and a wake cost as much again). */
export const DEFAULT_SPIN = 50000;

/** H_READY's bit that ends the team for good: workers leave, and no job counts on them. */
export const TEAM_ENDED: u32 = 0x80000000;

/** The most members a team has: the host's instance and a worker per lower bit of H_READY. */
export const MAX_MEMBERS = 32;

let control: usize = 0; // the arena's base: the control words are header words
let member: i32 = 0;
let members: i32 = 1;
let seen: i32 = 0; // a worker's last job generation

/**
 * Points the team at the arena whose header starts at `base`; this instance is member `id`. A
 * worker (id ≥ 1) takes the jobs posted from now on: it notes the generation, then says it is ready,
 * so a job counts on it only when it will see that job.
 */
export function joinTeam(base: usize, id: i32): void {
  control = base;
  member = id;
  members = 1;
  if (ASC_FEATURE_THREADS) {
    if (id > 0) {
      seen = atomic.load<i32>(word(H_JOB_GEN));
      atomic.or<u32>(word(H_READY), 1 << (id - 1));
      atomic.notify(word(H_READY)); // the host may be waiting for its team, here or to follow it here
    }
  }
}

/** This instance's place in the team: 0 for the host's. */
// @ts-ignore: decorator
@inline export function teamMember(): i32 {
  return member;
}

/** How many members run the job in progress. */
// @ts-ignore: decorator
@inline export function teamSize(): i32 {
  return members;
}

// @ts-ignore: decorator
@inline function word(w: i32): usize {
  return control + (<usize>w << 2);
}

/** The job argument `i`, as the host's instance posted it. */
export function jobArg(i: i32): u32 {
  return load<u32>(word(H_JOB_ARGS + i));
}

/**
 * Member 0 starts `job` with up to four arguments. The team is as large as the host asks (H_TEAM,
 * set per call) and as the workers ready to take it allow (those ready in a row from id 1 on); when
 * it has more than one member, the job is posted to the others.
 */
export function startJob(job: u32, a: u32, b: u32, c: u32, d: u32): void {
  if (!ASC_FEATURE_THREADS) return;
  const ready = atomic.load<u32>(word(H_READY));
  members = ready & TEAM_ENDED ? 1 : min(<i32>load<u32>(word(H_TEAM)), 1 + <i32>ctz(~ready));
  members = max(1, members);
  store<u32>(word(H_MEMBERS), members);
  if (members == 1) return;
  store<u32>(word(H_JOB_ARGS), a);
  store<u32>(word(H_JOB_ARGS + 1), b);
  store<u32>(word(H_JOB_ARGS + 2), c);
  store<u32>(word(H_JOB_ARGS + 3), d);
  store<u32>(word(H_JOB), job);
  publish(H_JOB_GEN, H_JOB_SLEEPERS);
}

/**
 * Ends this arena's team for good; later jobs here run on the host's instance alone. `next` ≠ 0:
 * the team moves to the arena at byte `next` of the same memory (a re-plan), and its workers join
 * it there without leaving WebAssembly (a browser delivers no message to a worker while the host's
 * thread waits for it); 0: they leave workerLoop. `next` travels in the first job argument, which
 * no job uses once the team has ended.
 */
export function endTeam(next: usize): void {
  if (ASC_FEATURE_THREADS) {
    store<u32>(word(H_JOB_ARGS), <u32>next);
    atomic.or<u32>(word(H_READY), TEAM_ENDED); // the workers' bits stay until each leaves: the host waits for that
    publish(H_JOB_GEN, H_JOB_SLEEPERS);
  }
}

/** Where this arena's team went when it ended: the next arena's byte offset, or 0 (see endTeam). */
export function teamMovedTo(): usize {
  return <usize>load<u32>(word(H_JOB_ARGS));
}

/**
 * Waits until every member has arrived. The last to arrive moves the generation on; the others spin
 * briefly on it, then sleep (a spin-only barrier collapses when another process shares the cores).
 */
export function barrier(): void {
  if (ASC_FEATURE_THREADS) {
    if (members > 1) arrive();
  }
}

function arrive(): void {
  const generation = atomic.load<i32>(word(H_BARRIER_GEN));
  if (atomic.add<i32>(word(H_ARRIVED), 1) == members - 1) {
    atomic.store<i32>(word(H_ARRIVED), 0); // before the generation moves: a released member may arrive again at once
    atomic.store<i32>(word(H_BARRIER_GEN), generation + 1);
    if (atomic.load<i32>(word(H_BARRIER_SLEEPERS)) > 0) atomic.notify(word(H_BARRIER_GEN));
  } else {
    awaitChange(H_BARRIER_GEN, H_BARRIER_SLEEPERS, generation);
  }
}

/** Moves generation word `gen` on and wakes whoever sleeps on it. */
function publish(gen: i32, sleepers: i32): void {
  if (ASC_FEATURE_THREADS) {
    atomic.add<i32>(word(gen), 1);
    if (atomic.load<i32>(word(sleepers)) > 0) atomic.notify(word(gen));
  }
}

/**
 * Returns once word `gen` differs from `seen`: a spin of H_SPIN loads, then sleeps counted in word
 * `sleepers`, so that the mover notifies only when someone sleeps (a notify costs a call into the host).
 */
function awaitChange(gen: i32, sleepers: i32, seen: i32): void {
  if (ASC_FEATURE_THREADS) {
    const spin = load<u32>(word(H_SPIN));
    for (let i = spin == 0 ? DEFAULT_SPIN : <i32>spin; i > 0; i--) {
      if (atomic.load<i32>(word(gen)) != seen) return;
    }
    atomic.add<i32>(word(sleepers), 1);
    while (atomic.load<i32>(word(gen)) == seen) atomic.wait<i32>(word(gen), seen, -1);
    atomic.sub<i32>(word(sleepers), 1);
  }
}

/**
 * A worker's wait for its next job: returns the code of the first job posted after the last one it
 * took (JOB_EXIT to leave), with the job's team size in force.
 */
export function nextJob(): u32 {
  if (ASC_FEATURE_THREADS) {
    // Checked before waiting too: a worker may join a team that ended before it arrived.
    if (teamEnded()) return JOB_EXIT;
    awaitChange(H_JOB_GEN, H_JOB_SLEEPERS, seen);
    seen = atomic.load<i32>(word(H_JOB_GEN));
    if (teamEnded()) return JOB_EXIT;
    members = <i32>load<u32>(word(H_MEMBERS));
    return load<u32>(word(H_JOB));
  }
  return JOB_EXIT;
}

/** Whether the team has ended; if so, this worker says it is no longer ready here. */
function teamEnded(): bool {
  if (ASC_FEATURE_THREADS) {
    if ((atomic.load<u32>(word(H_READY)) & TEAM_ENDED) == 0) return false;
    atomic.and<u32>(word(H_READY), ~(<u32>1 << (member - 1)));
  }
  return true;
}

/**
 * Where share `part` of `parts` begins when `n` rows or units are cut at multiples of 4: the blocks
 * of four are dealt out evenly, the first members taking one more, and the last share also takes
 * the n % 4 left over. share(n, parts, parts) = n.
 */
export function shareStart(n: i32, part: i32, parts: i32): i32 {
  if (part >= parts) return n;
  const blocks = n >> 2, each = blocks / parts, extra = blocks % parts;
  return (part * each + min(part, extra)) << 2;
}
