// Turning the caller's arrays into packed row-major Float32 rows, and results back into the
// caller's form. Validates everything once, here, at the boundary.
import { ShapeError } from './errors.js';

/** A row-major matrix in one typed array. */
export interface TypedMatrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

/** What data arguments accept: rows of numbers, or a typed row-major matrix. */
export type Matrix = number[][] | TypedMatrix;

/** The form the caller used, so results can mirror it. */
export type Form = 'rows' | 'typed' | 'vector';

export interface Packed {
  data: Float32Array;
  rows: number;
  cols: number;
  form: Form;
}

const describe = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;

/** Checks every value is finite once stored as float32 (1e39 is not), naming the first offender. */
function checkFinite(argument: string, data: Float32Array, cols: number): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      const row = Math.floor(i / cols), column = i % cols;
      throw new ShapeError(argument, `${argument} row ${row}, column ${column} is not a finite float32 number`, row, column);
    }
  }
}

function isTypedMatrix(value: unknown): value is { data: unknown; rows: unknown; cols: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'data' in value;
}

/**
 * Packs `value` as rows × `cols` float32. A 1-D number[] is one sample when `vector` is 'row'
 * (predict), one column when it is 'column' (targets of a one-output network), refused otherwise.
 */
export function pack(argument: string, value: unknown, cols: number, vector: 'row' | 'column' | 'none' = 'none'): Packed {
  if (isTypedMatrix(value)) {
    const { data, rows, cols: width } = value;
    if (!(data instanceof Float32Array || data instanceof Float64Array)) {
      throw new ShapeError(argument, `${argument}.data must be a Float32Array (or Float64Array), got ${describe(data)}`);
    }
    for (const [name, n] of [['rows', rows], ['cols', width]] as const) {
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
        throw new ShapeError(argument, `${argument}.${name} must be a positive integer, got ${describe(n)}`);
      }
    }
    const r = rows as number, c = width as number;
    if (c !== cols) throw new ShapeError(argument, `${argument} has ${c} columns; the network expects ${cols}`, undefined, c);
    if (data.length !== r * c) {
      throw new ShapeError(argument, `${argument}.data has ${data.length} values; rows × cols = ${r} × ${c} = ${r * c}`);
    }
    const f32 = data instanceof Float32Array ? data : Float32Array.from(data);
    checkFinite(argument, f32, c);
    return { data: f32, rows: r, cols: c, form: 'typed' };
  }
  if (!Array.isArray(value)) {
    throw new ShapeError(argument, `${argument} must be number[][] or { data: Float32Array, rows, cols }, got ${describe(value)}`);
  }
  if (value.length === 0) throw new ShapeError(argument, `${argument} is empty`);
  if (!Array.isArray(value[0])) {
    if (vector === 'none') {
      throw new ShapeError(argument, `${argument} must be number[][] (one array per row), got a flat array`);
    }
    const rows = vector === 'row' ? [value] : value.map((v) => [v]);
    return { ...pack(argument, rows, cols), form: 'vector' };
  }
  const data = new Float32Array(value.length * cols);
  value.forEach((row: unknown, r: number) => {
    if (!Array.isArray(row)) throw new ShapeError(argument, `${argument} row ${r} is not an array (got ${describe(row)})`, r);
    if (row.length !== cols) {
      throw new ShapeError(argument, `${argument} row ${r} has ${row.length} columns; the network expects ${cols}`, r);
    }
    for (let c = 0; c < cols; c++) {
      const v = row[c];
      if (typeof v !== 'number') {
        throw new ShapeError(argument, `${argument} row ${r}, column ${c} is not a number (got ${describe(v)})`, r, c);
      }
      data[r * cols + c] = v;
    }
  });
  checkFinite(argument, data, cols);
  return { data, rows: value.length, cols, form: 'rows' };
}

/** Checks that targets have one row per input row. */
export function checkSameRows(x: Packed, y: Packed): void {
  if (x.rows !== y.rows) throw new ShapeError('y', `y has ${y.rows} rows but X has ${x.rows}`);
}

/** Results in the caller's form: rows of numbers, a typed matrix, or one row for one sample. */
export function unpack(data: Float32Array, rows: number, cols: number, form: Form): number[][] | number[] | TypedMatrix {
  if (form === 'typed') return { data, rows, cols };
  const out: number[][] = [];
  for (let r = 0; r < rows; r++) out.push(Array.from(data.subarray(r * cols, (r + 1) * cols)));
  return form === 'vector' && rows === 1 ? out[0] : out;
}

/** Whether `value` is a list of class indices (number[] or Int32Array) rather than rows of targets. */
export function isClassList(value: unknown): value is number[] | Int32Array {
  return value instanceof Int32Array || (Array.isArray(value) && value.length > 0 && !Array.isArray(value[0]));
}

/** One-hot rows for class indices, each an integer in [0, classes). */
export function packClasses(argument: string, value: number[] | Int32Array, classes: number): Packed {
  const data = new Float32Array(value.length * classes);
  for (let r = 0; r < value.length; r++) {
    const c = value[r];
    if (!Number.isInteger(c) || c < 0 || c >= classes) {
      throw new ShapeError(argument, `${argument}[${r}] is ${String(c)}: class indices must be integers from 0 to ${classes - 1}`, r);
    }
    data[r * classes + c] = 1;
  }
  return { data, rows: value.length, cols: classes, form: 'rows' };
}

/** The rows of `packed` at `indices`, in that order. */
export function takeRows(packed: Packed, indices: ArrayLike<number>): Packed {
  const { cols } = packed;
  const data = new Float32Array(indices.length * cols);
  for (let i = 0; i < indices.length; i++) data.set(packed.data.subarray(indices[i] * cols, (indices[i] + 1) * cols), i * cols);
  return { data, rows: indices.length, cols, form: packed.form };
}

/** The class of each row: the index of its largest output, or, for one output, whether it reaches ½. */
export function classesOf(outputs: Float32Array, rows: number, cols: number): number[] {
  const classes = new Array<number>(rows);
  for (let r = 0; r < rows; r++) {
    const row = outputs.subarray(r * cols, (r + 1) * cols);
    if (cols === 1) { classes[r] = row[0] >= 0.5 ? 1 : 0; continue; }
    let best = 0;
    for (let c = 1; c < cols; c++) if (row[c] > row[best]) best = c;
    classes[r] = best;
  }
  return classes;
}
