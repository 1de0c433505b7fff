// The signature's 1-bit PNG: a valid PNG (checked chunk by chunk with node's zlib) whose bits
// are the strokes, and small.
import { test } from "node:test";
import assert from "node:assert/strict";
import { crc32, inflateSync } from "node:zlib";
import { png1bit } from "../encode.js";

function strokes(width, height) {
  const rgba = new Uint8Array(width * height * 4).fill(255);
  const ink = (x, y) => { const i = (y * width + x) * 4; rgba[i] = rgba[i + 1] = rgba[i + 2] = 20; };
  for (let x = 10; x < width - 10; x += 1) {
    const y = Math.round(height / 2 + Math.sin(x / 9) * height / 4);
    ink(x, y); ink(x, y + 1);
  }
  return rgba;
}

function chunks(png) {
  const view = new DataView(png.buffer, png.byteOffset);
  const out = [];
  for (let at = 8; at < png.length;) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    const data = png.subarray(at + 8, at + 8 + length);
    assert.equal(view.getUint32(at + 8 + length), crc32(png.subarray(at + 4, at + 8 + length)), `${type} CRC`);
    out.push({ type, data });
    at += 12 + length;
  }
  return out;
}

test("a signature becomes a 1-bit grayscale PNG whose black pixels are the strokes, under 1 KB", async () => {
  const [width, height] = [300, 110];
  const rgba = strokes(width, height);
  const png = await png1bit(rgba, width, height);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const [ihdr, idat, iend] = chunks(png);
  assert.deepEqual([ihdr.type, idat.type, iend.type], ["IHDR", "IDAT", "IEND"]);
  const head = new DataView(ihdr.data.buffer, ihdr.data.byteOffset);
  assert.deepEqual([head.getUint32(0), head.getUint32(4), ...ihdr.data.subarray(8)], [width, height, 1, 0, 0, 0, 0]);
  const raw = inflateSync(idat.data);
  const stride = Math.ceil(width / 8);
  assert.equal(raw.length, (stride + 1) * height);
  for (let y = 0; y < height; y += 1) {
    assert.equal(raw[y * (stride + 1)], 0);
    for (let x = 0; x < width; x += 1) {
      const white = (raw[y * (stride + 1) + 1 + (x >> 3)] >> (7 - (x & 7))) & 1;
      assert.equal(white, rgba[(y * width + x) * 4] === 255 ? 1 : 0, `pixel ${x},${y}`);
    }
  }
  assert.ok(png.length < 1024, `${png.length} bytes`);
});

test("transparent pixels count as paper, not ink", async () => {
  const rgba = new Uint8Array(8 * 1 * 4); // all zero: black but fully transparent
  const png = await png1bit(rgba, 8, 1);
  const raw = inflateSync(chunks(png)[1].data);
  assert.equal(raw[1], 0xff);
});
