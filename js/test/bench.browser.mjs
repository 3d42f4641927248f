// The Chromium benchmark for make bench: load() as a page calls it the
// first time, with the module served as application/wasm from a loopback
// server. Each of the 10 loads is a new browser context, so no HTTP or
// compiled-code cache carries over: every one is a first visit. A second
// load() on the same page (ChromiumLoadAgain) reuses the compiled module.
// The row splits the first load() with the page's Resource Timing entry for
// wxcard.wasm: fetch-ms is load()'s start to the module's last byte (0 when
// a preload had it all before), and after-fetch-ms the rest (what
// compiling did not overlap with the download, instantiating, and the Go
// runtime's start).
// Printed in Go's benchmark format; the p50 is the row.
//
// No request is intercepted (Playwright's route() sends every request
// through this process and added 20-150 ms to the fetch it measures); the
// host resolver rule keeps the browser off the network instead.
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { TYPES, fileUnder, sendFile } from './static.mjs';

const jsDir = fileURLToPath(new URL('..', import.meta.url));
const LOADS = 10;
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-dev-shm-usage', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'];

// The page times its first load() and one signature with it. The
// preloaded variant (ChromiumLoadPreloaded) is what js/README.md advises: a
// <link rel=preload> starts the download while the page parses, and load()'s
// own request must reuse it (one Resource Timing entry, or the run fails).
const page = (head) => `<!doctype html><meta charset="utf-8">${head}<script type="module">
const t0 = performance.now();
const { load } = await import('./index.js');
const t1 = performance.now();
const wx = await load();
const t2 = performance.now();
const signature = wx.sortedSHA1('aaaa', 'bbbb', 'cccc', 'dddd', 'eeee', 'ffff');
const t3 = performance.now();
await load(); // the module compiled for the first is kept for the page
const t4 = performance.now();
const wasm = performance.getEntriesByType('resource').filter((e) => new URL(e.name).pathname.endsWith('/wxcard.wasm'));
const fetched = Math.max(t1, wasm[0].responseEnd);
window.result = { importMs: t1 - t0, loadMs: t2 - t1, fetchMs: fetched - t1, afterFetchMs: t2 - fetched,
  againMs: t4 - t3, signature, fetches: wasm.length };
</script>`;
const PAGES = {
  '/bench.html': page(''),
  '/preloaded.html': page('<link rel="preload" href="./wxcard.wasm" as="fetch" type="application/wasm" crossorigin>'),
};

const server = createServer(async (req, res) => {
  const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  if (PAGES[path]) {
    res.writeHead(200, { 'content-type': TYPES['.html'] }).end(PAGES[path]);
    return;
  }
  await sendFile(res, fileUnder(jsDir, path));
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${server.address().port}`;

const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const browser = await chromium.launch({ executablePath, headless: true, args: FLAGS });
const runs = { '/bench.html': [], '/preloaded.html': [] };
try {
  // Alternating the two pages spreads the machine's drift over both.
  for (let i = 0; i < LOADS; i++) {
    for (const [path, results] of Object.entries(runs)) {
      const context = await browser.newContext();
      const tab = await context.newPage();
      await tab.goto(`${base}${path}`);
      const result = await (await tab.waitForFunction(() => window.result, null, { timeout: 30_000 })).jsonValue();
      if (result.signature !== '89a0e60888a9471f75dc5eb0ee86431ddbec1fd9') throw new Error(`${path}: wrong signature ${result.signature}`);
      if (result.fetches !== 1) throw new Error(`${path}: wxcard.wasm was fetched ${result.fetches} times`);
      results.push(result);
      await context.close();
    }
  }
} finally {
  await browser.close();
  await new Promise((resolve) => server.close(resolve));
}
const median = (results, key) => results.map((r) => r[key]).sort((x, y) => x - y)[LOADS >> 1];
const row = (name, results) => {
  const loads = results.map((r) => r.loadMs).sort((x, y) => x - y);
  const p50 = loads[LOADS >> 1];
  console.log(`${name}\t${LOADS}\t${(p50 * 1e6).toFixed(0)} ns/op\t${p50.toFixed(1)} p50-ms\t${loads[0].toFixed(1)} min-ms\t${loads[LOADS - 1].toFixed(1)} max-ms` +
    `\t${median(results, 'fetchMs').toFixed(1)} fetch-ms\t${median(results, 'afterFetchMs').toFixed(1)} after-fetch-ms`);
};
row('BenchmarkChromiumLoad', runs['/bench.html']);
row('BenchmarkChromiumLoadPreloaded', runs['/preloaded.html']);
const againP50 = median(runs['/bench.html'], 'againMs');
console.log(`BenchmarkChromiumLoadAgain\t${LOADS}\t${(againP50 * 1e6).toFixed(0)} ns/op\t${againP50.toFixed(1)} p50-ms`);
console.log('BenchmarkChromiumLoadBudget\t1\t100000000 ns/op\t100 p50-ms');
