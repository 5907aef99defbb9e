/** The binary pieces of a fastText model file: a little-endian reader and dense or product-quantized rows. */

export class Reader {
  private view: DataView;
  pos = 0;
  constructor(private bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private need(n: number): void {
    if (this.pos + n > this.bytes.length) throw new RangeError(`unexpected end of file at byte ${this.pos}`);
  }
  i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  i64(): number {
    this.need(8);
    const v = this.view.getBigInt64(this.pos, true);
    this.pos += 8;
    return Number(v);
  }
  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }
  u8(): number {
    this.need(1);
    return this.bytes[this.pos++];
  }
  cstring(): string {
    const end = this.bytes.indexOf(0, this.pos);
    if (end < 0) throw new RangeError(`unterminated string at byte ${this.pos}`);
    const s = new TextDecoder().decode(this.bytes.subarray(this.pos, end));
    this.pos = end + 1;
    return s;
  }
  f32s(n: number): Float32Array {
    this.need(n * 4);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.view.getFloat32(this.pos + 4 * i, true);
    this.pos += n * 4;
    return out;
  }
  u8s(n: number): Uint8Array {
    this.need(n);
    const out = this.bytes.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

/** A matrix that can add a row into a vector and dot a row with a vector. */
export interface Rows {
  readonly cols: number;
  addRow(x: Float64Array, row: number): void;
  dotRow(x: Float64Array, row: number): number;
}

export class DenseRows implements Rows {
  constructor(readonly rows: number, readonly cols: number, private data: Float32Array) {}
  addRow(x: Float64Array, row: number): void {
    const o = row * this.cols;
    for (let j = 0; j < this.cols; j++) x[j] += this.data[o + j];
  }
  dotRow(x: Float64Array, row: number): number {
    const o = row * this.cols;
    let s = 0;
    for (let j = 0; j < this.cols; j++) s += x[j] * this.data[o + j];
    return s;
  }
}

export interface ProductQuantizer {
  dim: number;
  nsubq: number;
  dsub: number;
  lastdsub: number;
  centroids: Float32Array;
}

const KSUB = 256;

function readPq(r: Reader): ProductQuantizer {
  const dim = r.i32();
  const nsubq = r.i32();
  const dsub = r.i32();
  const lastdsub = r.i32();
  return { dim, nsubq, dsub, lastdsub, centroids: r.f32s(dim * KSUB) };
}

/** Offset of centroid `i` of sub-quantizer `m` (the last sub-quantizer may be narrower). */
function centroidOffset(pq: ProductQuantizer, m: number, i: number): number {
  return m === pq.nsubq - 1 ? m * KSUB * pq.dsub + i * pq.lastdsub : (m * KSUB + i) * pq.dsub;
}

export class QuantRows implements Rows {
  constructor(
    readonly rows: number,
    readonly cols: number,
    private codes: Uint8Array,
    private pq: ProductQuantizer,
    private normCodes: Uint8Array | null,
    private npq: ProductQuantizer | null,
  ) {}
  private norm(row: number): number {
    return this.normCodes === null
      ? 1
      : this.npq!.centroids[centroidOffset(this.npq!, 0, this.normCodes[row])];
  }
  addRow(x: Float64Array, row: number): void {
    const { pq, codes } = this;
    const alpha = this.norm(row);
    const base = pq.nsubq * row;
    for (let m = 0; m < pq.nsubq; m++) {
      const c = centroidOffset(pq, m, codes[base + m]);
      const d = m === pq.nsubq - 1 ? pq.lastdsub : pq.dsub;
      for (let n = 0; n < d; n++) x[m * pq.dsub + n] += alpha * pq.centroids[c + n];
    }
  }
  dotRow(x: Float64Array, row: number): number {
    const { pq, codes } = this;
    const base = pq.nsubq * row;
    let s = 0;
    for (let m = 0; m < pq.nsubq; m++) {
      const c = centroidOffset(pq, m, codes[base + m]);
      const d = m === pq.nsubq - 1 ? pq.lastdsub : pq.dsub;
      for (let n = 0; n < d; n++) s += x[m * pq.dsub + n] * pq.centroids[c + n];
    }
    return s * this.norm(row);
  }
}

export function readMatrix(r: Reader, quant: boolean): Rows {
  if (!quant) {
    const m = r.i64();
    const n = r.i64();
    return new DenseRows(m, n, r.f32s(m * n));
  }
  const qnorm = r.u8() !== 0;
  const m = r.i64();
  const n = r.i64();
  const codesize = r.i32();
  const codes = r.u8s(codesize);
  const pq = readPq(r);
  let normCodes: Uint8Array | null = null;
  let npq: ProductQuantizer | null = null;
  if (qnorm) {
    normCodes = r.u8s(m);
    npq = readPq(r);
  }
  return new QuantRows(m, n, codes, pq, normCodes, npq);
}
