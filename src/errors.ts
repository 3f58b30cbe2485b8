// Typed errors. Every message names the offending option, argument, row or column; a call that
// throws one of these (except DivergenceError, which says what it restored) has changed nothing.

/** Base class of every error this library throws on purpose. */
export class BackpropError extends Error {
  override name = 'BackpropError';
}

/** An option or argument has a value outside what it accepts. `option` names it. */
export class ValueError extends BackpropError {
  override name = 'ValueError';
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(message);
  }
}

/** Data has the wrong shape or holds a non-finite number. `row`/`column` are 0-based when known. */
export class ShapeError extends BackpropError {
  override name = 'ShapeError';
  constructor(
    readonly argument: string,
    message: string,
    readonly row?: number,
    readonly column?: number,
  ) {
    super(message);
  }
}

/** The network was used after dispose(), or changed while a fit was running on it. */
export class StateError extends BackpropError {
  override name = 'StateError';
}

/**
 * A network, a pass or a training set needs more memory than an arena may hold, or the host refused
 * the allocation. `resource` says which: 'layers' (the widths alone), 'passRows' (rows in one pass:
 * the batch, or one fitPartial/computeGradients call), 'dataRows' (the training set), or 'memory'
 * (the allocation itself failed). `bytes` is what was needed, `limit` the arena limit.
 */
export class MemoryError extends BackpropError {
  override name = 'MemoryError';
  constructor(
    readonly resource: 'layers' | 'passRows' | 'dataRows' | 'memory',
    readonly bytes: number,
    readonly limit: number,
    message: string,
  ) {
    super(message);
  }
}

/** Training produced a non-finite loss. `epoch` is 1-based. */
export class DivergenceError extends BackpropError {
  override name = 'DivergenceError';
  constructor(
    readonly epoch: number,
    message: string,
  ) {
    super(message);
  }
}
