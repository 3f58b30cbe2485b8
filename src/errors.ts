// Typed errors. Every message names the offending option, argument, row or column; a call that
// throws one of these (except DivergenceError, which says what it restored) has changed nothing.

/** Base class of every error this library throws on purpose. */
export class BackpropError extends Error {
  override name = 'BackpropError';
}

/** An option or argument has a value outside what it accepts. `option` names it. */
export class ValueError extends BackpropError {
  override name = 'ValueError';
  constructor(readonly option: string, message: string) {
    super(message);
  }
}

/** Data has the wrong shape or holds a non-finite number. `row`/`column` are 0-based when known. */
export class ShapeError extends BackpropError {
  override name = 'ShapeError';
  constructor(readonly argument: string, message: string, readonly row?: number, readonly column?: number) {
    super(message);
  }
}

/** The network was used after dispose(). */
export class StateError extends BackpropError {
  override name = 'StateError';
}

/** Training produced a non-finite loss. `epoch` is 1-based. */
export class DivergenceError extends BackpropError {
  override name = 'DivergenceError';
  constructor(readonly epoch: number, message: string) {
    super(message);
  }
}
