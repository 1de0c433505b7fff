// The service worker precaches every file the app needs: each module reachable from app.js,
// the page, its stylesheet, the manifest and the icons it names.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const sw = readFileSync(join(root, "sw.js"), "utf8");
const shell = JSON.parse(`[${/const SHELL = \[([\s\S]*?)\];/.exec(sw)[1].replace(/,\s*$/, "")}]`);

function modulesFrom(file, seen = new Set()) {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = readFileSync(join(root, file), "utf8");
  for (const [, spec] of text.matchAll(/(?:import|export)[^"']*?from\s+["'](\.[^"']+)["']/g)) {
    modulesFrom(relative(root, normalize(join(root, dirname(file), spec))), seen);
  }
  for (const [, spec] of text.matchAll(/import\s+["'](\.[^"']+)["']/g)) {
    modulesFrom(relative(root, normalize(join(root, dirname(file), spec))), seen);
  }
  // Lazy imports too (vendor/jsqr.js for the enrolment scan): they must work offline.
  for (const [, spec] of text.matchAll(/import\(\s*["'](\.[^"']+)["']\s*\)/g)) {
    modulesFrom(relative(root, normalize(join(root, dirname(file), spec))), seen);
  }
  return seen;
}

test("every module reachable from app.js, lazy imports included, is precached", () => {
  const missing = [...modulesFrom("app.js")].filter((m) => !shell.includes(m));
  assert.deepEqual(missing, []);
});

test("every precached file exists", () => {
  for (const file of shell.filter((f) => f !== "./")) assert.ok(existsSync(join(root, file)), file);
});

test("the manifest's icons are precached and there is a maskable one", () => {
  const manifest = JSON.parse(readFileSync(join(root, "manifest.webmanifest"), "utf8"));
  for (const icon of manifest.icons) assert.ok(shell.includes(icon.src), icon.src);
  assert.ok(manifest.icons.some((i) => i.purpose === "maskable"));
  assert.deepEqual(manifest.icons.map((i) => i.sizes).sort(), ["192x192", "512x512", "512x512"]);
});

test("the cache name carries the VERSION constant", () => {
  assert.match(sw, /const VERSION = "[^"]+";/);
  assert.match(sw, /const CACHE = `sitamu-desk-\$\{VERSION\}`;/);
});

test("the QR decoder is not in the app shell's static imports, only imported when scanning", () => {
  const eager = new Set();
  const walkStatic = (file) => {
    if (eager.has(file)) return;
    eager.add(file);
    const text = readFileSync(join(root, file), "utf8");
    for (const [, spec] of text.matchAll(/(?:import|export)[^"'(]*?from\s+["'](\.[^"']+)["']/g)) {
      walkStatic(relative(root, normalize(join(root, dirname(file), spec))));
    }
  };
  walkStatic("app.js");
  assert.ok(!eager.has("vendor/jsqr.js"));
  assert.ok(modulesFrom("app.js").has("vendor/jsqr.js"));
});
