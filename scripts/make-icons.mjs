// Draws the app icons (a gold baton on navy) as PNGs, with no image library: run once when the
// design changes, `node scripts/make-icons.mjs`.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const NAVY = [0x1f, 0x3a, 0x5f];
const GOLD = [0xf2, 0xb1, 0x34];

function crc32(buf) {
  let c,
    crc = 0xffffffff;
  for (let n = 0; n < buf.length; n++) {
    c = (crc ^ buf[n]) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

function icon(size, { maskable }) {
  const raw = Buffer.alloc((size * 3 + 1) * size);
  const inset = maskable ? 0.2 : 0.12; // maskable icons keep the shape inside the safe zone
  const angle = (-35 * Math.PI) / 180;
  for (let y = 0; y < size; y++) {
    raw[y * (size * 3 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const u = (x + 0.5) / size - 0.5;
      const w = (y + 0.5) / size - 0.5;
      const along = u * Math.cos(angle) + w * Math.sin(angle);
      const across = -u * Math.sin(angle) + w * Math.cos(angle);
      const inBaton = Math.abs(along) < 0.5 - inset && Math.abs(across) < 0.06;
      const [r, g, b] = inBaton ? GOLD : NAVY;
      const at = y * (size * 3 + 1) + 1 + x * 3;
      raw[at] = r;
      raw[at + 1] = g;
      raw[at + 2] = b;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // truecolour
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const dir = new URL('../web/public/icons/', import.meta.url);
writeFileSync(new URL('icon-192.png', dir), icon(192, { maskable: false }));
writeFileSync(new URL('icon-512.png', dir), icon(512, { maskable: false }));
writeFileSync(new URL('icon-maskable-512.png', dir), icon(512, { maskable: true }));
