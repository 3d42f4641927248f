// node --test: the WASI shim on its own, with a fake memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { createWasi, WasiExit, errno } from '../wasi.js';

function setup(options) {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const wasi = createWasi(options);
  wasi.bind(memory);
  return { w: wasi.imports.wasi_snapshot_preview1, memory, dv: () => new DataView(memory.buffer) };
}

test('unknown imports answer ENOSYS instead of failing to link', () => {
  const { w } = setup();
  assert.equal(typeof w.path_open, 'function');
  assert.equal(w.path_open(), errno.ENOSYS);
  assert.equal(w.sock_accept(), errno.ENOSYS);
});

test('clock_time_get: realtime in ns, monotonic from performance.now', () => {
  const { w, dv } = setup();
  assert.equal(w.clock_time_get(0, 0n, 64), 0);
  const real = dv().getBigUint64(64, true);
  assert.ok(Math.abs(Number(real / 1000000n) - Date.now()) < 1000);
  w.clock_time_get(1, 0n, 64);
  const a = dv().getBigUint64(64, true);
  w.clock_time_get(1, 0n, 64);
  assert.ok(dv().getBigUint64(64, true) >= a);
});

test('random_get fills more than 64 KiB', () => {
  const { w, memory } = setup();
  memory.grow(2);
  assert.equal(w.random_get(16, 100_000), 0);
  const b = new Uint8Array(memory.buffer, 16, 100_000);
  assert.ok(b.slice(70_000, 70_100).some((x) => x !== 0), 'bytes past the first 64 KiB are filled');
});

test('fd_write prints whole lines to the sinks', () => {
  const out = [];
  const err = [];
  const { w, memory, dv } = setup({ stdout: (l) => out.push(l), stderr: (l) => err.push(l) });
  const text = new TextEncoder().encode('hello wor');
  const text2 = new TextEncoder().encode('ld\nsecond\n');
  new Uint8Array(memory.buffer).set(text, 100);
  new Uint8Array(memory.buffer).set(text2, 200);
  const v = dv();
  v.setUint32(16, 100, true); v.setUint32(20, text.length, true);
  v.setUint32(24, 200, true); v.setUint32(28, text2.length, true);
  assert.equal(w.fd_write(1, 16, 2, 40), 0);
  assert.equal(v.getUint32(40, true), text.length + text2.length);
  assert.deepEqual(out, ['hello world', 'second']);
  assert.equal(w.fd_write(2, 16, 1, 40), 0);
  assert.deepEqual(err, []);
  assert.equal(w.fd_write(7, 16, 1, 40), errno.EBADF);
});

test('stdio is a character device; there are no preopens', () => {
  const { w, dv } = setup();
  assert.equal(w.fd_fdstat_get(1, 64), 0);
  assert.equal(dv().getUint8(64), 2);
  assert.equal(w.fd_fdstat_get(3, 64), errno.EBADF);
  assert.equal(w.fd_prestat_get(3, 64), errno.EBADF);
});

test('poll_oneoff reports every subscription as due', () => {
  const { w, dv } = setup();
  const v = dv();
  v.setBigUint64(0, 77n, true); v.setUint8(8, 0); // clock subscription
  assert.equal(w.poll_oneoff(0, 100, 1, 200), 0);
  assert.equal(v.getBigUint64(100, true), 77n);
  assert.equal(v.getUint32(200, true), 1);
});

test('proc_exit throws WasiExit', () => {
  const { w } = setup();
  assert.throws(() => w.proc_exit(2), (e) => e instanceof WasiExit && e.exitCode === 2);
});
