// npm pack / npm publish: put a fresh wxcard.wasm in the package, or stop.
//
// The module is built, not committed, so a checkout has none until `make
// wasm`; without this a package would ship without it and load() would fail
// for every user. In a wxcard checkout with Go it is rebuilt with the
// command `make wasm` runs; otherwise a wxcard.wasm already in js/ is used;
// otherwise packing fails, saying how to get one.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const jsDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = dirname(jsDir);
const target = join(jsDir, 'wxcard.wasm');
const go = process.env.GO || 'go';
// The operations index.js calls; a module without them is not this package's.
const required = ['memory', '_initialize', 'wxcard_alloc', 'wxcard_free', 'wxcard_card_ext', 'wxcard_sorted_sha1_raw'];

function fail(message) {
  console.error(`wxcard prepack: ${message}`);
  process.exit(1);
}

function inCheckout() {
  try {
    return /^module github\.com\/wxcard\/wxcard\s*$/m.test(readFileSync(join(repoRoot, 'go.mod'), 'utf8'));
  } catch {
    return false;
  }
}

// build runs the same go build as `make wasm` (mk/wasm.mk) and returns the
// bytes, or undefined when Go is not installed.
function build() {
  const out = join(repoRoot, 'build', 'wxcard.prepack.wasm');
  mkdirSync(dirname(out), { recursive: true });
  const res = spawnSync(go, ['build', '-buildmode=c-shared', '-trimpath', '-ldflags=-s -w', '-o', out, './wasm'], {
    cwd: repoRoot,
    env: { ...process.env, GOOS: 'wasip1', GOARCH: 'wasm' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (res.error?.code === 'ENOENT') return undefined;
  if (res.error || res.status !== 0) fail(`building wxcard.wasm failed (${res.error?.message ?? `go build exited ${res.status}`})`);
  return readFileSync(out);
}

let bytes;
if (inCheckout()) bytes = build();
if (bytes) {
  // Replaced by a rename, never rewritten in place: tests may be reading it.
  if (!existsSync(target) || !readFileSync(target).equals(bytes)) {
    const tmp = `${target}.${process.pid}.tmp`;
    writeFileSync(tmp, bytes);
    renameSync(tmp, target);
  }
} else if (existsSync(target)) {
  bytes = readFileSync(target);
  console.error('wxcard prepack: Go is not available; packing the wxcard.wasm already in js/ as it is');
} else {
  fail('js/wxcard.wasm is missing and cannot be built here (it needs Go 1.26 in a wxcard checkout): run `make wasm` in the repository root, or copy a built wxcard.wasm into js/, then pack again');
}

let exports;
try {
  exports = WebAssembly.Module.exports(new WebAssembly.Module(bytes)).map((e) => e.name);
} catch (err) {
  fail(`js/wxcard.wasm is not a WebAssembly module (${err.message}): rebuild it with \`make wasm\``);
}
const missing = required.filter((name) => !exports.includes(name));
if (missing.length) fail(`js/wxcard.wasm lacks ${missing.join(', ')}: it is not wxcard's module; rebuild it with \`make wasm\``);
