// How the desk encodes what it keeps of a guest, for a weak mobile link: the photo as WebP
// (JPEG where the browser cannot make WebP), 480 px on its long side, which is the 320 CSS px
// the tablet shows it at on a 1.5x screen; the signature as a 1-bit PNG of its strokes.
// Sizes measured in bench/weaklink.py's camera clip and in pwa/README.md.
export const PHOTO_SIDE = 480;
export const PHOTO_QUALITY = 0.6;
export const PHOTO_MAX_BYTES = 20 * 1024;
export const SIGNATURE_SIZE = [300, 110];

const toBlob = (canvas, type, quality) => new Promise((resolve) => canvas.toBlob(resolve, type, quality));

/** Scale a photo (any canvas-drawable source) and encode it small: WebP, else JPEG. */
export async function encodePhoto(source, width, height, { maxSide = PHOTO_SIDE, quality = PHOTO_QUALITY,
  maxBytes = PHOTO_MAX_BYTES } = {}) {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  canvas.getContext("2d").drawImage(source, 0, 0, canvas.width, canvas.height);
  let type = "image/webp";
  let q = quality;
  let blob = await toBlob(canvas, type, q);
  // A browser without a WebP encoder hands back a PNG: use JPEG there.
  if (!blob || blob.type !== type) { type = "image/jpeg"; blob = await toBlob(canvas, type, q); }
  while (blob && blob.size > maxBytes && q > 0.35) {
    q -= 0.1;
    blob = await toBlob(canvas, type, q);
  }
  return blob;
}

/** Return a signature canvas as a 1-bit grayscale PNG (black strokes on white), downscaled. */
export async function signaturePng(canvas, [width, height] = SIGNATURE_SIZE) {
  const out = document.createElement("canvas");
  out.width = width; out.height = height;
  const o = out.getContext("2d");
  o.fillStyle = "#fff"; o.fillRect(0, 0, width, height);
  o.drawImage(canvas, 0, 0, width, height);
  const png = await png1bit(o.getImageData(0, 0, width, height).data, width, height);
  return new Blob([png], { type: "image/png" });
}

let crcTable = null;

function crc32(bytes) {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n += 1) {
      let c = n;
      for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set([...type].map((ch) => ch.charCodeAt(0)), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/**
 * Encode RGBA pixels as a 1-bit grayscale PNG: a pixel darker than `threshold` (0-255
 * luminance) is black. The scanlines are zlib-compressed by the browser (CompressionStream).
 */
export async function png1bit(rgba, width, height, threshold = 200) {
  const stride = Math.ceil(width / 8);
  const raw = new Uint8Array((stride + 1) * height); // each row: filter byte 0, then the bits
  for (let y = 0; y < height; y += 1) {
    const row = y * (stride + 1) + 1;
    for (let x = 0; x < width; x += 1) {
      const i = (y * width + x) * 4;
      const alpha = rgba[i + 3] / 255;
      const lum = (0.299 * rgba[i] + 0.587 * rgba[i + 1] + 0.114 * rgba[i + 2]) * alpha + 255 * (1 - alpha);
      if (lum >= threshold) raw[row + (x >> 3)] |= 0x80 >> (x & 7); // 1 is white
    }
  }
  const zipped = new Uint8Array(await new Response(
    new Blob([raw]).stream().pipeThrough(new CompressionStream("deflate"))).arrayBuffer());
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([1, 0, 0, 0, 0], 8); // bit depth 1, grayscale, deflate, no filter, no interlace
  const parts = [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header), chunk("IDAT", zipped), chunk("IEND", new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
