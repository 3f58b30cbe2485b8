// Matrix-product kernels of a dense layer, over one Float32Array arena `m` with word offsets.
// Legend: B batch rows, C input width, OC output width. W is OC × C row-major (out × in).
// Each fast kernel has a …Naive twin: the plain loop it must agree with (test/kernels.test.ts).
// The fast ones walk rows contiguously and handle four output units per pass, so each input
// row is read once per four units instead of once per unit.

/** out (B×OC) = inp (B×C) · Wᵀ + bias. */
export function matmulForward(
  m: Float32Array,
  out: number,
  inp: number,
  weight: number,
  bias: number,
  B: number,
  C: number,
  OC: number,
): void {
  const OC4 = OC - (OC % 4);
  for (let b = 0; b < B; b++) {
    const x = inp + b * C;
    const y = out + b * OC;
    let o = 0;
    for (; o < OC4; o += 4) {
      const w0 = weight + o * C,
        w1 = w0 + C,
        w2 = w1 + C,
        w3 = w2 + C;
      let s0 = m[bias + o],
        s1 = m[bias + o + 1],
        s2 = m[bias + o + 2],
        s3 = m[bias + o + 3];
      for (let c = 0; c < C; c++) {
        const xc = m[x + c];
        s0 += xc * m[w0 + c];
        s1 += xc * m[w1 + c];
        s2 += xc * m[w2 + c];
        s3 += xc * m[w3 + c];
      }
      m[y + o] = s0;
      m[y + o + 1] = s1;
      m[y + o + 2] = s2;
      m[y + o + 3] = s3;
    }
    for (; o < OC; o++) {
      const w = weight + o * C;
      let s = m[bias + o];
      for (let c = 0; c < C; c++) s += m[x + c] * m[w + c];
      m[y + o] = s;
    }
  }
}

export function matmulForwardNaive(
  m: Float32Array,
  out: number,
  inp: number,
  weight: number,
  bias: number,
  B: number,
  C: number,
  OC: number,
): void {
  for (let b = 0; b < B; b++) {
    for (let o = 0; o < OC; o++) {
      let s = m[bias + o];
      for (let c = 0; c < C; c++) s += m[inp + b * C + c] * m[weight + o * C + c];
      m[out + b * OC + o] = s;
    }
  }
}

/**
 * dinp (B×C) = dout (B×OC) · W. Writes rather than accumulates: in an MLP every activation
 * feeds exactly one layer, so there is nothing to add to and no zeroing pass is needed.
 */
export function matmulBackwardInput(
  m: Float32Array,
  dinp: number,
  dout: number,
  weight: number,
  B: number,
  C: number,
  OC: number,
): void {
  const OC4 = OC - (OC % 4);
  for (let b = 0; b < B; b++) {
    const dx = dinp + b * C;
    const g = dout + b * OC;
    for (let c = 0; c < C; c++) m[dx + c] = 0; // a loop: fill() is a builtin call, dearer than tiny rows
    let o = 0;
    for (; o < OC4; o += 4) {
      const g0 = m[g + o],
        g1 = m[g + o + 1],
        g2 = m[g + o + 2],
        g3 = m[g + o + 3];
      const w0 = weight + o * C,
        w1 = w0 + C,
        w2 = w1 + C,
        w3 = w2 + C;
      for (let c = 0; c < C; c++) {
        m[dx + c] += g0 * m[w0 + c] + g1 * m[w1 + c] + g2 * m[w2 + c] + g3 * m[w3 + c];
      }
    }
    for (; o < OC; o++) {
      const go = m[g + o];
      const w = weight + o * C;
      for (let c = 0; c < C; c++) m[dx + c] += go * m[w + c];
    }
  }
}

export function matmulBackwardInputNaive(
  m: Float32Array,
  dinp: number,
  dout: number,
  weight: number,
  B: number,
  C: number,
  OC: number,
): void {
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      let s = 0;
      for (let o = 0; o < OC; o++) s += m[dout + b * OC + o] * m[weight + o * C + c];
      m[dinp + b * C + c] = s;
    }
  }
}

/**
 * dweight (OC×C) = doutᵀ (OC×B) · inp (B×C); dbias (OC) = column sums of dout: the rows
 * o0 ≤ o < o1 of each (all of them: 0, OC). Writes rather than accumulates, for the same reason as
 * matmulBackwardInput: one batch is one product. Each value sums over the B rows in order whatever the cut.
 */
export function matmulBackwardWeight(
  m: Float32Array,
  dweight: number,
  dbias: number,
  dout: number,
  inp: number,
  B: number,
  C: number,
  OC: number,
  o0: number,
  o1: number,
): void {
  const OC4 = o1 - ((o1 - o0) % 4);
  for (let i = o0 * C; i < o1 * C; i++) m[dweight + i] = 0;
  for (let o = o0; o < o1; o++) m[dbias + o] = 0;
  let o = o0;
  for (; o < OC4; o += 4) {
    const d0 = dweight + o * C,
      d1 = d0 + C,
      d2 = d1 + C,
      d3 = d2 + C;
    for (let b = 0; b < B; b++) {
      const g = dout + b * OC + o;
      const g0 = m[g],
        g1 = m[g + 1],
        g2 = m[g + 2],
        g3 = m[g + 3];
      m[dbias + o] += g0;
      m[dbias + o + 1] += g1;
      m[dbias + o + 2] += g2;
      m[dbias + o + 3] += g3;
      const x = inp + b * C;
      for (let c = 0; c < C; c++) {
        const xc = m[x + c];
        m[d0 + c] += g0 * xc;
        m[d1 + c] += g1 * xc;
        m[d2 + c] += g2 * xc;
        m[d3 + c] += g3 * xc;
      }
    }
  }
  for (; o < o1; o++) {
    const d = dweight + o * C;
    for (let b = 0; b < B; b++) {
      const go = m[dout + b * OC + o];
      m[dbias + o] += go;
      const x = inp + b * C;
      for (let c = 0; c < C; c++) m[d + c] += go * m[x + c];
    }
  }
}

export function matmulBackwardWeightNaive(
  m: Float32Array,
  dweight: number,
  dbias: number,
  dout: number,
  inp: number,
  B: number,
  C: number,
  OC: number,
): void {
  for (let o = 0; o < OC; o++) {
    let sb = 0;
    for (let b = 0; b < B; b++) sb += m[dout + b * OC + o];
    m[dbias + o] = sb;
    for (let c = 0; c < C; c++) {
      let s = 0;
      for (let b = 0; b < B; b++) s += m[dout + b * OC + o] * m[inp + b * C + c];
      m[dweight + o * C + c] = s;
    }
  }
}
