// Matrix-product kernels of a dense layer, the twins of src/js/matmul.ts, over raw pointers.
// Legend: B batch rows, C input width, OC output width. W is OC × C row-major (out × in).
// The two backward products run on one register-blocked SIMD kernel, `gemm`, which computes
//   out[r, j] = Σ_k a[r·ars + k·aks] · p[k·pks + j]
// on 4 × 8 blocks held in eight v128 accumulators; only the panel p must be contiguous along j:
//   input grad    δ·W  : a = δ,     p = W as it is
//   weight grad   δᵀ·X : a = δᵀ (a stride, not a copy), p = X as it is
// The forward product X·Wᵀ has both operands contiguous along C, so it runs as blocks of dot
// products (4 rows × 2 units: the same six loads per eight multiply-adds as gemm) and needs
// no transposed copy of W.
// The scalar build (no SIMD) runs the same loops as the pure-TS engine. …Naive twins are the
// plain definitions, kept for the tests.

/** out (B×OC) = inp (B×C) · Wᵀ + bias. */
export function matmulForward(out: usize, inp: usize, weight: usize, bias: usize, B: i32, C: i32, OC: i32): void {
  if (ASC_FEATURE_SIMD && C >= SIMD_MIN_WIDTH) linearDot(out, inp, weight, bias, B, C, OC);
  else matmulForwardScalar(out, inp, weight, bias, B, C, OC);
}

/** Below this width a SIMD block would be all tail: the scalar loops are faster (the seed's XOR is 2-2-1). */
const SIMD_MIN_WIDTH = 8;

/** dinp (B×C) = dout (B×OC) · W. Writes, as in src/js/matmul.ts. */
export function matmulBackwardInput(dinp: usize, dout: usize, weight: usize, B: i32, C: i32, OC: i32): void {
  if (ASC_FEATURE_SIMD && C >= SIMD_MIN_WIDTH) gemm(dinp, C, dout, OC, 1, weight, C, B, C, OC);
  else matmulBackwardInputScalar(dinp, dout, weight, B, C, OC);
}

/**
 * dweight (OC×C) = doutᵀ · inp; dbias (OC) = column sums of dout: the rows o0 ≤ o < o1 of each
 * (all of them: 0, OC). Writes. Each value sums over the B rows in order whatever the cut.
 */
export function matmulBackwardWeight(
  dweight: usize, dbias: usize, dout: usize, inp: usize, B: i32, C: i32, OC: i32, o0: i32, o1: i32,
): void {
  const dw = dweight + (<usize>(o0 * C) << 2), db = dbias + (<usize>o0 << 2), d = dout + (<usize>o0 << 2);
  if (ASC_FEATURE_SIMD && C >= SIMD_MIN_WIDTH) {
    gemm(dw, C, d, 1, OC, inp, C, o1 - o0, C, B);
    columnSums(db, d, B, OC, o1 - o0);
  } else {
    matmulBackwardWeightScalar(dw, db, d, inp, B, C, OC, o1 - o0);
  }
}

// ---- the SIMD kernels ----

/**
 * c + a·b, lane by lane: a multiply then an add (two roundings) in the portable build, and one fused
 * multiply-add (one rounding) in the FMA build (--enable relaxed-simd), which the host runs only
 * where a probe shows relaxed_madd is fused: then its results are the same bits on every such host.
 */
// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/** out[r·ldo + j] = Σ_k a[r·ars + k·aks] · p[k·pks + j], for r < R, j < J, k < K. */
function gemm(out: usize, ldo: i32, a: usize, ars: i32, aks: i32, p: usize, pks: i32, R: i32, J: i32, K: i32): void {
  const J8 = J & ~7;
  let r = 0;
  for (; r + 4 <= R; r += 4) {
    const ar = a + (<usize>(r * ars) << 2);
    const orow = out + (<usize>(r * ldo) << 2);
    for (let j = 0; j < J8; j += 8) block4x8(orow + (<usize>j << 2), ldo, ar, ars, aks, p + (<usize>j << 2), pks, K);
    for (let j = J8; j < J; j++) {
      for (let i = 0; i < 4; i++) {
        store<f32>(orow + (<usize>(i * ldo + j) << 2), dotStrided(ar + (<usize>(i * ars) << 2), aks, p + (<usize>j << 2), pks, K));
      }
    }
  }
  for (; r < R; r++) {
    const ar = a + (<usize>(r * ars) << 2);
    const orow = out + (<usize>(r * ldo) << 2);
    for (let j = 0; j < J8; j += 8) block1x8(orow + (<usize>j << 2), ar, aks, p + (<usize>j << 2), pks, K);
    for (let j = J8; j < J; j++) store<f32>(orow + (<usize>j << 2), dotStrided(ar, aks, p + (<usize>j << 2), pks, K));
  }
}

/** Four rows × eight columns in eight accumulators; `o` points at out[r, j], `p` at p[0, j]. */
// @ts-ignore: decorator
@inline function block4x8(o: usize, ldo: i32, a: usize, ars: i32, aks: i32, p: usize, pks: i32, K: i32): void {
  let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  const rowStep = <usize>ars << 2, kStep = <usize>aks << 2, pStep = <usize>pks << 2;
  let a0p = a, a1p = a + rowStep, a2p = a + 2 * rowStep, a3p = a + 3 * rowStep, pk = p;
  const pEnd = p + <usize>K * pStep;
  while (pk < pEnd) {
    const p0 = v128.load(pk), p1 = v128.load(pk, 16);
    const a0 = v128.load32_splat(a0p);
    const a1 = v128.load32_splat(a1p);
    const a2 = v128.load32_splat(a2p);
    const a3 = v128.load32_splat(a3p);
    c00 = madd(a0, p0, c00); c01 = madd(a0, p1, c01);
    c10 = madd(a1, p0, c10); c11 = madd(a1, p1, c11);
    c20 = madd(a2, p0, c20); c21 = madd(a2, p1, c21);
    c30 = madd(a3, p0, c30); c31 = madd(a3, p1, c31);
    a0p += kStep; a1p += kStep; a2p += kStep; a3p += kStep;
    pk += pStep;
  }
  const oStep = <usize>ldo << 2;
  v128.store(o, c00); v128.store(o, c01, 16);
  v128.store(o + oStep, c10); v128.store(o + oStep, c11, 16);
  v128.store(o + 2 * oStep, c20); v128.store(o + 2 * oStep, c21, 16);
  v128.store(o + 3 * oStep, c30); v128.store(o + 3 * oStep, c31, 16);
}

/** One row × eight columns, for the rows left over after the blocks of four. */
// @ts-ignore: decorator
@inline function block1x8(o: usize, a: usize, aks: i32, p: usize, pks: i32, K: i32): void {
  let c0 = f32x4.splat(0), c1 = c0;
  const kStep = <usize>aks << 2, pStep = <usize>pks << 2;
  let ak = a, pk = p;
  for (let k = 0; k < K; k++) {
    const ak0 = v128.load32_splat(ak);
    c0 = madd(ak0, v128.load(pk), c0);
    c1 = madd(ak0, v128.load(pk, 16), c1);
    ak += kStep;
    pk += pStep;
  }
  v128.store(o, c0);
  v128.store(o, c1, 16);
}

/** Σ_k a[k·aks] · p[k·pks], for the columns left over after the blocks of eight. */
// @ts-ignore: decorator
@inline function dotStrided(a: usize, aks: i32, p: usize, pks: i32, K: i32): f32 {
  let s: f32 = 0;
  const kStep = <usize>aks << 2, pStep = <usize>pks << 2;
  let ak = a, pk = p;
  for (let k = 0; k < K; k++) {
    s += load<f32>(ak) * load<f32>(pk);
    ak += kStep;
    pk += pStep;
  }
  return s;
}

/** out (B×OC) = x (B×C) · Wᵀ + bias as blocks of dot products along C: 4 rows × 2 units, then tails. */
function linearDot(out: usize, x: usize, weight: usize, bias: usize, B: i32, C: i32, OC: i32): void {
  const C4 = C & ~3;
  const rowBytes = <usize>C << 2;
  let b = 0;
  for (; b + 4 <= B; b += 4) {
    const x0 = x + <usize>b * rowBytes, y = out + (<usize>(b * OC) << 2);
    let o = 0;
    for (; o + 2 <= OC; o += 2) {
      const w0 = weight + <usize>o * rowBytes, w1 = w0 + rowBytes;
      const x1 = x0 + rowBytes, x2 = x1 + rowBytes, x3 = x2 + rowBytes;
      let s00 = f32x4.splat(0), s01 = s00, s10 = s00, s11 = s00, s20 = s00, s21 = s00, s30 = s00, s31 = s00;
      for (let c = 0; c < C4; c += 4) {
        const at = <usize>c << 2;
        const a = v128.load(w0 + at), d = v128.load(w1 + at);
        const v0 = v128.load(x0 + at), v1 = v128.load(x1 + at), v2 = v128.load(x2 + at), v3 = v128.load(x3 + at);
        s00 = madd(v0, a, s00); s01 = madd(v0, d, s01);
        s10 = madd(v1, a, s10); s11 = madd(v1, d, s11);
        s20 = madd(v2, a, s20); s21 = madd(v2, d, s21);
        s30 = madd(v3, a, s30); s31 = madd(v3, d, s31);
      }
      const b0 = load<f32>(bias + (<usize>o << 2)), b1 = load<f32>(bias + (<usize>o << 2), 4);
      const yo = y + (<usize>o << 2), ys = <usize>OC << 2;
      store<f32>(yo, b0 + lanes(s00) + dotTail(x0, w0, C4, C)); store<f32>(yo, b1 + lanes(s01) + dotTail(x0, w1, C4, C), 4);
      store<f32>(yo + ys, b0 + lanes(s10) + dotTail(x1, w0, C4, C)); store<f32>(yo + ys, b1 + lanes(s11) + dotTail(x1, w1, C4, C), 4);
      store<f32>(yo + 2 * ys, b0 + lanes(s20) + dotTail(x2, w0, C4, C)); store<f32>(yo + 2 * ys, b1 + lanes(s21) + dotTail(x2, w1, C4, C), 4);
      store<f32>(yo + 3 * ys, b0 + lanes(s30) + dotTail(x3, w0, C4, C)); store<f32>(yo + 3 * ys, b1 + lanes(s31) + dotTail(x3, w1, C4, C), 4);
    }
    for (; o < OC; o++) {
      const w = weight + <usize>o * rowBytes, bo = load<f32>(bias + (<usize>o << 2));
      for (let r = 0; r < 4; r++) {
        const xr = x0 + <usize>r * rowBytes;
        store<f32>(y + (<usize>(r * OC + o) << 2), bo + dot(xr, w, C4, C));
      }
    }
  }
  for (; b < B; b++) {
    const xb = x + <usize>b * rowBytes, y = out + (<usize>(b * OC) << 2);
    let o = 0;
    for (; o + 4 <= OC; o += 4) {
      const w0 = weight + <usize>o * rowBytes, w1 = w0 + rowBytes, w2 = w1 + rowBytes, w3 = w2 + rowBytes;
      let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
      for (let c = 0; c < C4; c += 4) {
        const at = <usize>c << 2;
        const v = v128.load(xb + at);
        s0 = madd(v, v128.load(w0 + at), s0);
        s1 = madd(v, v128.load(w1 + at), s1);
        s2 = madd(v, v128.load(w2 + at), s2);
        s3 = madd(v, v128.load(w3 + at), s3);
      }
      const bo = bias + (<usize>o << 2), yo = y + (<usize>o << 2);
      store<f32>(yo, load<f32>(bo) + lanes(s0) + dotTail(xb, w0, C4, C));
      store<f32>(yo, load<f32>(bo, 4) + lanes(s1) + dotTail(xb, w1, C4, C), 4);
      store<f32>(yo, load<f32>(bo, 8) + lanes(s2) + dotTail(xb, w2, C4, C), 8);
      store<f32>(yo, load<f32>(bo, 12) + lanes(s3) + dotTail(xb, w3, C4, C), 12);
    }
    for (; o < OC; o++) {
      store<f32>(y + (<usize>o << 2), load<f32>(bias + (<usize>o << 2)) + dot(xb, weight + <usize>o * rowBytes, C4, C));
    }
  }
}

/** Σ_c x[c]·w[c] over [0, C): SIMD over [0, C4), then the tail. */
// @ts-ignore: decorator
@inline function dot(x: usize, w: usize, C4: i32, C: i32): f32 {
  let s = f32x4.splat(0);
  for (let c = 0; c < C4; c += 4) s = madd(v128.load(x + (<usize>c << 2)), v128.load(w + (<usize>c << 2)), s);
  return lanes(s) + dotTail(x, w, C4, C);
}

/** Σ_c x[c]·w[c] over [C4, C): what is left after the four-wide steps. */
// @ts-ignore: decorator
@inline function dotTail(x: usize, w: usize, C4: i32, C: i32): f32 {
  let s: f32 = 0;
  for (let c = C4; c < C; c++) s += load<f32>(x + (<usize>c << 2)) * load<f32>(w + (<usize>c << 2));
  return s;
}

// @ts-ignore: decorator
@inline function lanes(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/**
 * dbias (units) = Σ_b dout[b, ·] over the first `units` of rows OC apart. Starts from the first row
 * rather than a memory.fill: V8 calls out of wasm for those.
 */
function columnSums(dbias: usize, dout: usize, B: i32, OC: i32, units: i32): void {
  for (let o = 0; o < units; o++) {
    let s: f32 = 0;
    for (let b = 0; b < B; b++) s += load<f32>(dout + (<usize>(b * OC + o) << 2));
    store<f32>(dbias + (<usize>o << 2), s);
  }
}

// ---- the scalar build: the loops of the pure-TS engine ----

function matmulForwardScalar(out: usize, inp: usize, weight: usize, bias: usize, B: i32, C: i32, OC: i32): void {
  for (let b = 0; b < B; b++) {
    const x = inp + (<usize>(b * C) << 2), y = out + (<usize>(b * OC) << 2);
    let o = 0;
    for (; o + 4 <= OC; o += 4) {
      const w0 = weight + (<usize>(o * C) << 2), step = <usize>C << 2;
      const w1 = w0 + step, w2 = w1 + step, w3 = w2 + step;
      const bo = bias + (<usize>o << 2);
      let s0 = load<f32>(bo), s1 = load<f32>(bo, 4), s2 = load<f32>(bo, 8), s3 = load<f32>(bo, 12);
      for (let c = 0; c < C; c++) {
        const at = <usize>c << 2;
        const xc = load<f32>(x + at);
        s0 += xc * load<f32>(w0 + at); s1 += xc * load<f32>(w1 + at);
        s2 += xc * load<f32>(w2 + at); s3 += xc * load<f32>(w3 + at);
      }
      const yo = y + (<usize>o << 2);
      store<f32>(yo, s0); store<f32>(yo, s1, 4); store<f32>(yo, s2, 8); store<f32>(yo, s3, 12);
    }
    for (; o < OC; o++) {
      const w = weight + (<usize>(o * C) << 2);
      let s = load<f32>(bias + (<usize>o << 2));
      for (let c = 0; c < C; c++) s += load<f32>(x + (<usize>c << 2)) * load<f32>(w + (<usize>c << 2));
      store<f32>(y + (<usize>o << 2), s);
    }
  }
}

function matmulBackwardInputScalar(dinp: usize, dout: usize, weight: usize, B: i32, C: i32, OC: i32): void {
  for (let b = 0; b < B; b++) {
    const dx = dinp + (<usize>(b * C) << 2), g = dout + (<usize>(b * OC) << 2);
    for (let c = 0; c < C; c++) store<f32>(dx + (<usize>c << 2), 0); // a loop: V8 calls out of wasm for memory.fill
    let o = 0;
    for (; o + 4 <= OC; o += 4) {
      const go = g + (<usize>o << 2);
      const g0 = load<f32>(go), g1 = load<f32>(go, 4), g2 = load<f32>(go, 8), g3 = load<f32>(go, 12);
      const w0 = weight + (<usize>(o * C) << 2), step = <usize>C << 2;
      const w1 = w0 + step, w2 = w1 + step, w3 = w2 + step;
      for (let c = 0; c < C; c++) {
        const at = <usize>c << 2;
        store<f32>(dx + at, load<f32>(dx + at) + (g0 * load<f32>(w0 + at) + g1 * load<f32>(w1 + at) + g2 * load<f32>(w2 + at) + g3 * load<f32>(w3 + at)));
      }
    }
    for (; o < OC; o++) {
      const go = load<f32>(g + (<usize>o << 2));
      const w = weight + (<usize>(o * C) << 2);
      for (let c = 0; c < C; c++) {
        const at = <usize>c << 2;
        store<f32>(dx + at, load<f32>(dx + at) + go * load<f32>(w + at));
      }
    }
  }
}

/** The rows of dweight and dbias for the first `units` columns of dout (rows OC apart), as the pure-TS engine computes them. */
function matmulBackwardWeightScalar(dweight: usize, dbias: usize, dout: usize, inp: usize, B: i32, C: i32, OC: i32, units: i32): void {
  for (let i = 0; i < units * C; i++) store<f32>(dweight + (<usize>i << 2), 0);
  columnSums(dbias, dout, B, OC, units);
  for (let o = 0; o < units; o++) {
    const d = dweight + (<usize>(o * C) << 2);
    for (let b = 0; b < B; b++) {
      const go = load<f32>(dout + (<usize>(b * OC + o) << 2));
      const x = inp + (<usize>(b * C) << 2);
      for (let c = 0; c < C; c++) {
        const at = <usize>c << 2;
        store<f32>(d + at, load<f32>(d + at) + go * load<f32>(x + at));
      }
    }
  }
}

// ---- naive twins: the definitions, for the tests ----

export function matmulForwardNaive(out: usize, inp: usize, weight: usize, bias: usize, B: i32, C: i32, OC: i32): void {
  for (let b = 0; b < B; b++) {
    for (let o = 0; o < OC; o++) {
      let s = load<f32>(bias + (<usize>o << 2));
      for (let c = 0; c < C; c++) s += load<f32>(inp + (<usize>(b * C + c) << 2)) * load<f32>(weight + (<usize>(o * C + c) << 2));
      store<f32>(out + (<usize>(b * OC + o) << 2), s);
    }
  }
}

export function matmulBackwardInputNaive(dinp: usize, dout: usize, weight: usize, B: i32, C: i32, OC: i32): void {
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      let s: f32 = 0;
      for (let o = 0; o < OC; o++) s += load<f32>(dout + (<usize>(b * OC + o) << 2)) * load<f32>(weight + (<usize>(o * C + c) << 2));
      store<f32>(dinp + (<usize>(b * C + c) << 2), s);
    }
  }
}

export function matmulBackwardWeightNaive(dweight: usize, dbias: usize, dout: usize, inp: usize, B: i32, C: i32, OC: i32): void {
  for (let o = 0; o < OC; o++) {
    let sb: f32 = 0;
    for (let b = 0; b < B; b++) sb += load<f32>(dout + (<usize>(b * OC + o) << 2));
    store<f32>(dbias + (<usize>o << 2), sb);
    for (let c = 0; c < C; c++) {
      let s: f32 = 0;
      for (let b = 0; b < B; b++) s += load<f32>(dout + (<usize>(b * OC + o) << 2)) * load<f32>(inp + (<usize>(b * C + c) << 2));
      store<f32>(dweight + (<usize>(o * C + c) << 2), s);
    }
  }
}
