// The vendored QR decoder (vendor/jsqr.js) is exactly what tools/vendor-jsqr.mjs makes from the
// installed jsqr package, and it reads the enrolment QR the admin page shows.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import jsQR from "../vendor/jsqr.js";
import { encode } from "../vendor/uqr.js";
import { vendorJsqr } from "../tools/vendor-jsqr.mjs";

const read = (path) => readFileSync(new URL(path, import.meta.url), "utf8");

test("vendor/jsqr.js is the installed jsqr as the vendoring script makes it", async () => {
  const pkg = JSON.parse(read("../node_modules/jsqr/package.json"));
  assert.equal(read("../vendor/jsqr.js"), await vendorJsqr(read("../node_modules/jsqr/dist/jsQR.js"), pkg.version));
});

/** Draw a QR of `text` as RGBA pixels, `scale` px per module, at (x, y) on a grey `width` x `height` frame. */
function frame(text, { scale = 4, width = 320, height = 240, x = 20, y = 10 } = {}) {
  const { data } = encode(text, { border: 4 });
  const pixels = new Uint8ClampedArray(width * height * 4).fill(200);
  data.forEach((row, r) => row.forEach((dark, c) => {
    for (let dy = 0; dy < scale; dy += 1) {
      for (let dx = 0; dx < scale; dx += 1) {
        const i = ((y + r * scale + dy) * width + (x + c * scale + dx)) * 4;
        const v = dark ? 20 : 250;
        pixels[i] = pixels[i + 1] = pixels[i + 2] = v;
        pixels[i + 3] = 255;
      }
    }
  }));
  return { pixels, width, height };
}

test("the decoder reads an enrolment QR anywhere in a camera frame", () => {
  const url = "http://127.0.0.1:5000/app/#enroll=K7Q-4MX-92B";
  for (const at of [{ x: 20, y: 10 }, { x: 150, y: 80, scale: 3 }]) {
    const { pixels, width, height } = frame(url, at);
    assert.equal(jsQR(pixels, width, height, { inversionAttempts: "dontInvert" })?.data, url);
  }
});

test("a frame without a QR code reads as nothing", () => {
  const pixels = new Uint8ClampedArray(320 * 240 * 4).fill(180);
  assert.equal(jsQR(pixels, 320, 240), null);
});
