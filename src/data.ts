// Turning the caller's arrays into packed row-major Float32 rows, and results back into the
// caller's form. Validates everything once, here, at the boundary.
import { ShapeError, ValueError } from './errors.js';
import { allocate } from './plan.js';
import { allFinite } from './js/update.js';

/** A row-major matrix in one typed array. */
export interface TypedMatrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

/** One sample: numbers, in an array or a typed array. */
export type Row = ArrayLike<number>;

/** What data arguments accept: rows (arrays or typed arrays of numbers), or a typed row-major matrix. */
export type Matrix = Row[] | TypedMatrix;

/** The form the caller used, so results can mirror it. */
export type Form = 'rows' | 'typed' | 'vector';

/** Rows packed for an engine, and the form the caller gave them in. */
export interface Packed extends TypedMatrix {
  form: Form;
}

const describe = (value: unknown): string => {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'function') return 'a function';
  try {
    return `${typeof value} ${String(value)}`;
  } catch {
    return typeof value;
  }
};

/** Whether `value` can be a row (or a flat vector): an array, or a typed array (not a DataView). */
const isRowLike = (value: unknown): value is ArrayLike<unknown> =>
  Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));

/** The length an array claims, refused unless a safe integer: a Proxy may claim anything. */
function lengthOf(argument: string, value: ArrayLike<unknown>): number {
  const n = value.length;
  if (!Number.isSafeInteger(n) || n < 0) throw new ShapeError(argument, `${argument} has a length of ${describe(n)}`);
  return n;
}

/** The rows `value` holds, as far as can be told without reading them; undefined when it is not data. */
export function rowCount(value: unknown): number | undefined {
  if (isTypedMatrix(value)) return typeof value.rows === 'number' ? value.rows : undefined;
  if (!isRowLike(value)) return undefined;
  const n = value.length;
  return Number.isSafeInteger(n) && n > 0 && isRowLike(value[0]) ? n : undefined;
}

/** A zeroed Float32Array of `length`, or a MemoryError when the host refuses it. */
export function floats(argument: string, length: number): Float32Array {
  return allocate(4 * length, `${length} float32 values of ${argument}`, () => new Float32Array(length));
}

/**
 * Checks every value is finite once stored as float32 (1e39 is not), naming the first offender. The
 * pure-TS engine's allFinite answers first, about twice as fast as a Number.isFinite loop (this check
 * is the serial part of every fit, which a team of threads cannot share); the loop only finds where.
 */
function checkFinite(argument: string, data: Float32Array, cols: number): void {
  if (allFinite(data, 0, data.length)) return;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      const row = Math.floor(i / cols),
        column = i % cols;
      throw new ShapeError(
        argument,
        `${argument} row ${row}, column ${column} is not a finite float32 number`,
        row,
        column,
      );
    }
  }
}

function isTypedMatrix(value: unknown): value is { data: unknown; rows: unknown; cols: unknown } {
  return typeof value === 'object' && value !== null && !isRowLike(value) && 'data' in value;
}

/** Copies one row's `cols` numbers to data[at …], refusing holes and anything that is not a number. */
function copyRow(
  argument: string,
  data: Float32Array,
  at: number,
  row: ArrayLike<unknown>,
  r: number,
  cols: number,
): void {
  for (let c = 0; c < cols; c++) {
    const v = row[c];
    if (typeof v !== 'number') {
      const what =
        v === undefined && !(c in row)
          ? 'is missing (the row has a hole there)'
          : `is not a number (got ${describe(v)})`;
      throw new ShapeError(argument, `${argument} row ${r}, column ${c} ${what}`, r, c);
    }
    data[at + c] = v;
  }
}

/** The entry at `r`, refused when it is a hole. */
function present(argument: string, value: ArrayLike<unknown>, r: number): unknown {
  const entry = value[r];
  if (entry === undefined && !(r in value))
    throw new ShapeError(argument, `${argument} row ${r} is missing (the array has a hole there)`, r);
  return entry;
}

/** The row at `r`, refused when it is a hole or not an array. */
function rowAt(argument: string, value: ArrayLike<unknown>, r: number): ArrayLike<unknown> {
  const row = present(argument, value, r);
  if (isRowLike(row)) return row;
  throw new ShapeError(argument, `${argument} row ${r} is not an array or typed array (got ${describe(row)})`, r);
}

/**
 * Packs `value` as rows × `cols` float32. Rows may be arrays or typed arrays. A flat array (or typed
 * array) is one sample when `vector` is 'row' (predict), one column when it is 'column' (targets of
 * a one-output network), refused otherwise.
 */
export function pack(
  argument: string,
  value: unknown,
  cols: number,
  vector: 'row' | 'column' | 'none' = 'none',
): Packed {
  if (isTypedMatrix(value)) return packTyped(argument, value, cols);
  if (!isRowLike(value)) {
    throw new ShapeError(
      argument,
      `${argument} must be number[][] or { data: Float32Array, rows, cols }, got ${describe(value)}`,
    );
  }
  const rows = lengthOf(argument, value);
  if (rows === 0) throw new ShapeError(argument, `${argument} is empty`);
  if (typeof value[0] !== 'number') return packRows(argument, rows, cols, (r) => rowAt(argument, value, r));
  if (vector === 'none')
    throw new ShapeError(argument, `${argument} must hold one array (or typed array) per row, got a flat array`);
  if (vector === 'row') return { ...packRows(argument, 1, cols, () => value), form: 'vector' };
  if (cols !== 1)
    throw new ShapeError(
      argument,
      `${argument} is a flat array; the network has ${cols} outputs, so give one row per sample`,
    );
  // One number per row: each a row of one, its hole refused as a missing row's would be.
  return { ...packRows(argument, rows, 1, (r) => [present(argument, value, r)]), form: 'vector' };
}

/** A typed matrix, checked and used as it is when it is float32 (copied when float64). */
function packTyped(argument: string, value: { data: unknown; rows: unknown; cols: unknown }, cols: number): Packed {
  const { data, rows, cols: width } = value;
  if (!(data instanceof Float32Array || data instanceof Float64Array)) {
    throw new ShapeError(argument, `${argument}.data must be a Float32Array (or Float64Array), got ${describe(data)}`);
  }
  for (const [name, n] of [
    ['rows', rows],
    ['cols', width],
  ] as const) {
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) {
      throw new ShapeError(argument, `${argument}.${name} must be a positive integer, got ${describe(n)}`);
    }
  }
  const r = rows as number,
    c = width as number;
  if (c !== cols)
    throw new ShapeError(argument, `${argument} has ${c} columns; the network expects ${cols}`, undefined, c);
  if (data.length !== r * c)
    throw new ShapeError(argument, `${argument}.data has ${data.length} values; rows × cols = ${r} × ${c} = ${r * c}`);
  let f32: Float32Array;
  if (data instanceof Float32Array) f32 = data;
  else (f32 = floats(argument, data.length)).set(data);
  checkFinite(argument, f32, c);
  return { data: f32, rows: r, cols: c, form: 'typed' };
}

/**
 * `rows` rows of `cols` numbers, row r being rowOf(r). Every row is there and as wide as it must be
 * before memory is taken for them: an array that claims more rows than it has costs a walk to its
 * first missing row, not an allocation.
 */
function packRows(argument: string, rows: number, cols: number, rowOf: (r: number) => ArrayLike<unknown>): Packed {
  const rowList: ArrayLike<unknown>[] = [];
  for (let r = 0; r < rows; r++) {
    const row = rowOf(r);
    const width = lengthOf(`${argument} row ${r}`, row);
    if (width !== cols)
      throw new ShapeError(argument, `${argument} row ${r} has ${width} columns; the network expects ${cols}`, r);
    rowList.push(row);
  }
  const data = floats(argument, rows * cols);
  for (let r = 0; r < rows; r++) copyRow(argument, data, r * cols, rowList[r], r, cols);
  checkFinite(argument, data, cols);
  return { data, rows, cols, form: 'rows' };
}

/**
 * Cross-entropy targets: every value a probability in [0, 1] and, for softmax outputs, every row a
 * distribution (summing to 1 within 1e-3). Otherwise the loss is meaningless (it can go negative).
 */
export function checkProbabilities(argument: string, t: Packed, distributions: boolean): void {
  const { data, rows, cols } = t;
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let c = 0; c < cols; c++) {
      const v = data[r * cols + c];
      if (!(v >= 0 && v <= 1)) {
        throw new ValueError(
          argument,
          `${argument} row ${r}, column ${c} is ${v}: cross-entropy targets must be probabilities in [0, 1]`,
        );
      }
      sum += v;
    }
    if (distributions && Math.abs(sum - 1) > 1e-3) {
      throw new ValueError(
        argument,
        `${argument} row ${r} sums to ${sum}: softmax cross-entropy targets must be distributions (each row summing to 1), ` +
          'or give class indices',
      );
    }
  }
}

/** Checks that targets have one row per input row. */
export function checkSameRows(x: Packed, y: Packed): void {
  if (x.rows !== y.rows) throw new ShapeError('y', `y has ${y.rows} rows but X has ${x.rows}`);
}

/** Results in the caller's form: rows of numbers, a typed matrix, or one row for one sample. */
export function unpack(
  data: Float32Array,
  rows: number,
  cols: number,
  form: Form,
): number[][] | number[] | TypedMatrix {
  if (form === 'typed') return { data, rows, cols };
  const out: number[][] = [];
  for (let r = 0; r < rows; r++) out.push(Array.from(data.subarray(r * cols, (r + 1) * cols)));
  return form === 'vector' && rows === 1 ? out[0] : out;
}

/** Whether `value` is a list of class indices (number[] or Int32Array) rather than rows of targets. */
export function isClassList(value: unknown): value is number[] | Int32Array {
  return value instanceof Int32Array || (Array.isArray(value) && value.length > 0 && !isRowLike(value[0]));
}

/** One-hot rows for class indices, each an integer in [0, classes). */
export function packClasses(argument: string, value: number[] | Int32Array, classes: number): Packed {
  const rows = lengthOf(argument, value);
  const data = floats(argument, rows * classes);
  for (let r = 0; r < rows; r++) {
    const c = value[r];
    if (!Number.isInteger(c) || c < 0 || c >= classes) {
      const what =
        c === undefined && !(r in value)
          ? 'missing (the array has a hole there)'
          : typeof c === 'number'
            ? String(c)
            : describe(c);
      throw new ShapeError(
        argument,
        `${argument}[${r}] is ${what}: class indices must be integers from 0 to ${classes - 1}`,
        r,
      );
    }
    data[r * classes + c] = 1;
  }
  return { data, rows, cols: classes, form: 'rows' };
}

/** The rows of `packed` at `indices`, in that order. */
export function takeRows(packed: Packed, indices: ArrayLike<number>): Packed {
  const { cols } = packed;
  const data = new Float32Array(indices.length * cols);
  for (let i = 0; i < indices.length; i++)
    data.set(packed.data.subarray(indices[i] * cols, (indices[i] + 1) * cols), i * cols);
  return { data, rows: indices.length, cols, form: packed.form };
}

/** The class of each row: the index of its largest output, or, for one output, whether it reaches ½. */
export function classesOf(outputs: Float32Array, rows: number, cols: number): number[] {
  const classes = new Array<number>(rows);
  for (let r = 0; r < rows; r++) {
    const row = outputs.subarray(r * cols, (r + 1) * cols);
    if (cols === 1) {
      classes[r] = row[0] >= 0.5 ? 1 : 0;
      continue;
    }
    let best = 0;
    for (let c = 1; c < cols; c++) if (row[c] > row[best]) best = c;
    classes[r] = best;
  }
  return classes;
}
