// Loading the shipped UCI data sets (data/, see data/README.md) as number[][] for examples,
// tests and benchmarks. Node only: the library itself never touches the file system.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The project's data/ folder, found from this file whether it runs as .ts or from dist/. */
function dataPath(file: string): string {
  for (const up of ['../data/', '../../data/']) {
    const path = fileURLToPath(new URL(up + file, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error(`data file ${file} not found in the project's data/ folder`);
}

function readCsv(file: string): string[][] {
  return readFileSync(dataPath(file), 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.trim().split(','));
}

export interface Classification {
  X: number[][];
  /** Class index of each row. */
  labels: number[];
  /** One-hot targets. */
  y: number[][];
  classes: number;
}

export function oneHot(labels: number[], classes: number): number[][] {
  return labels.map((c) => Array.from({ length: classes }, (_, k) => (k === c ? 1 : 0)));
}

/** optdigits: 64 pixel counts 0..16, scaled to [0, 1], and the digit. */
export function optdigits(split: 'train' | 'test'): Classification {
  const rows = readCsv(`optdigits-${split}.csv`).map((r) => r.map(Number));
  const labels = rows.map((r) => r[64]);
  return { X: rows.map((r) => r.slice(0, 64).map((v) => v / 16)), labels, y: oneHot(labels, 10), classes: 10 };
}

/** letter-recognition: 16 features 0..15, scaled to [0, 1], and the letter as 0..25. */
export function letters(): Classification {
  const rows = readCsv('letter-recognition.csv');
  const labels = rows.map((r) => r[0].charCodeAt(0) - 65);
  return { X: rows.map((r) => r.slice(1).map((v) => Number(v) / 15)), labels, y: oneHot(labels, 26), classes: 26 };
}

/** winequality-red: 11 measurements and the quality score 3..8. */
export function wine(): { X: number[][]; quality: number[] } {
  const rows = readCsv('winequality-red.csv').map((r) => r.map(Number));
  return { X: rows.map((r) => r.slice(0, 11)), quality: rows.map((r) => r[11]) };
}

/** Column means and standard deviations of `X`, for standardising other rows the same way. */
export function standardiser(X: number[][]): (rows: number[][]) => number[][] {
  const cols = X[0].length;
  const mean = Array.from({ length: cols }, (_, c) => X.reduce((s, r) => s + r[c], 0) / X.length);
  const sd = Array.from(
    { length: cols },
    (_, c) => Math.sqrt(X.reduce((s, r) => s + (r[c] - mean[c]) ** 2, 0) / X.length) || 1,
  );
  return (rows) => rows.map((r) => r.map((v, c) => (v - mean[c]) / sd[c]));
}

/** Index of the largest entry of each row. */
export function argmax(rows: number[][]): number[] {
  return rows.map((r) => r.reduce((best, v, i) => (v > r[best] ? i : best), 0));
}

export function accuracy(predicted: number[], labels: number[]): number {
  return predicted.filter((p, i) => p === labels[i]).length / labels.length;
}
