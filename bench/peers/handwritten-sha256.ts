/**
 * The hand-written incremental SHA-256 the app used before hash-wasm, kept only as the
 * benchmark peer that `client_hash_mb_s` is compared with (bench:blobs).
 */

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);

const INITIAL = [
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/** A running SHA-256: `update` with any number of chunks, then `digest` once. */
export class Sha256 {
  readonly #h = new Uint32Array(INITIAL);
  readonly #w = new Uint32Array(64);
  readonly #block = new Uint8Array(64);
  #blockLength = 0;
  #bytes = 0;
  #done = false;

  /** Feeds the next chunk of input; returns `this` for chaining. */
  update(data: Uint8Array): this {
    if (this.#done) throw new Error('Sha256: update after digest');
    this.#bytes += data.length;
    let offset = 0;
    if (this.#blockLength > 0) {
      const take = Math.min(64 - this.#blockLength, data.length);
      this.#block.set(data.subarray(0, take), this.#blockLength);
      this.#blockLength += take;
      offset = take;
      if (this.#blockLength < 64) return this;
      this.#compress(this.#block, 0);
      this.#blockLength = 0;
    }
    // Whole blocks straight from the input, without copying.
    for (; offset + 64 <= data.length; offset += 64) this.#compress(data, offset);
    if (offset < data.length) {
      this.#block.set(data.subarray(offset), 0);
      this.#blockLength = data.length - offset;
    }
    return this;
  }

  /** Finishes the hash and returns the 32-byte digest. The hasher cannot be used afterwards. */
  digest(): Uint8Array {
    if (this.#done) throw new Error('Sha256: digest called twice');
    this.#done = true;
    const bitsHigh = Math.floor(this.#bytes / 0x20000000);
    const bitsLow = (this.#bytes * 8) >>> 0;
    const block = this.#block;
    block[this.#blockLength++] = 0x80;
    if (this.#blockLength > 56) {
      block.fill(0, this.#blockLength);
      this.#compress(block, 0);
      this.#blockLength = 0;
    }
    block.fill(0, this.#blockLength, 56);
    const view = new DataView(block.buffer, block.byteOffset, 64);
    view.setUint32(56, bitsHigh);
    view.setUint32(60, bitsLow);
    this.#compress(block, 0);
    const out = new Uint8Array(32);
    const outView = new DataView(out.buffer);
    for (let i = 0; i < 8; i++) outView.setUint32(i * 4, this.#h[i] ?? 0);
    return out;
  }

  /** Finishes the hash and returns it as 64 lowercase hex characters. */
  hexDigest(): string {
    return toHex(this.digest());
  }

  #compress(data: Uint8Array, offset: number): void {
    const w = this.#w;
    for (let i = 0; i < 16; i++) {
      const j = offset + i * 4;
      w[i] =
        ((data[j] ?? 0) << 24) | ((data[j + 1] ?? 0) << 16) | ((data[j + 2] ?? 0) << 8) | (data[j + 3] ?? 0);
    }
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15] ?? 0;
      const y = w[i - 2] ?? 0;
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[i] = ((w[i - 16] ?? 0) + s0 + (w[i - 7] ?? 0) + s1) | 0;
    }
    const h = this.#h;
    let a = h[0] ?? 0,
      b = h[1] ?? 0,
      c = h[2] ?? 0,
      d = h[3] ?? 0;
    let e = h[4] ?? 0,
      f = h[5] ?? 0,
      g = h[6] ?? 0,
      hh = h[7] ?? 0;
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (hh + S1 + ch + (K[i] ?? 0) + (w[i] ?? 0)) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0] = (h[0] ?? 0) + a;
    h[1] = (h[1] ?? 0) + b;
    h[2] = (h[2] ?? 0) + c;
    h[3] = (h[3] ?? 0) + d;
    h[4] = (h[4] ?? 0) + e;
    h[5] = (h[5] ?? 0) + f;
    h[6] = (h[6] ?? 0) + g;
    h[7] = (h[7] ?? 0) + hh;
  }
}

/** SHA-256 of one buffer, as lowercase hex. */
export function sha256Hex(data: Uint8Array): string {
  return new Sha256().update(data).hexDigest();
}

/** Lowercase hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}
