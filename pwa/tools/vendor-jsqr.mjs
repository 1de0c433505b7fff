// Write vendor/jsqr.js from node_modules/jsqr (run `npm run vendor:jsqr` after updating jsqr).
//
// jsQR ships only a UMD bundle (257 KB, most of it the Shift-JIS table of the QR "Kanji" mode).
// The desk app needs an ES module it can import lazily, and the whole precache stays under
// 300 KB, so the copy here is: the UMD wrapped as an ES module (default export: jsQR), the
// Shift-JIS table left empty (the enrolment QR is a URL: byte or alphanumeric mode, never
// Kanji), minified with terser. Nothing else of the library is changed. tests/vendor.test.mjs
// checks that vendor/jsqr.js is exactly what this script makes from the installed package.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { minify } from "terser";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const TABLE = "exports.shiftJISTable = {";

/** Return the vendored ES module text made from jsQR's UMD bundle `source` (version `version`). */
export async function vendorJsqr(source, version) {
  const start = source.indexOf(TABLE);
  const end = source.indexOf("\n};\n", start);
  if (start < 0 || end < 0 || source.indexOf(TABLE, start + 1) >= 0) throw new Error("jsQR's Shift-JIS table was not found once: check the script against this jsQR version");
  const stripped = `${source.slice(0, start)}exports.shiftJISTable = {};${source.slice(end + 3)}`;
  const wrapped = `const module = { exports: {} };\nconst exports = module.exports;\n${stripped}\nexport default module.exports;\n`;
  const { code } = await minify(wrapped, { module: true, compress: true, mangle: true, format: { comments: false } });
  return `// jsQR ${version} (Apache-2.0, Cosmo Wolfe and contributors), vendored from the npm package as an ES module
// for the enrolment scan where the browser has no BarcodeDetector. Made by tools/vendor-jsqr.mjs
// (npm run vendor:jsqr): minified, Kanji-mode Shift-JIS table left out. Do not edit by hand.
${code}
`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const pkg = JSON.parse(readFileSync(join(root, "node_modules/jsqr/package.json"), "utf8"));
  const source = readFileSync(join(root, "node_modules/jsqr/dist/jsQR.js"), "utf8");
  const text = await vendorJsqr(source, pkg.version);
  writeFileSync(join(root, "vendor/jsqr.js"), text);
  console.log(`wrote vendor/jsqr.js (${text.length} bytes) from jsqr ${pkg.version}`);
}
