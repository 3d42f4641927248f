// The Chromium benchmark for make bench: load() as a page calls it the
// first time, with the module served as application/wasm from a loopback
// server. Each of the 10 loads is a new browser context, so no HTTP or
// compiled-code cache carries over: every one is a first visit. A second
// load() on the same page (ChromiumLoadAgain) reuses the compiled module.
// The row splits the first load() with the page's Resource Timing entry for
// wxcard.wasm: fetch-ms is load()'s start to the module's last byte, and
// after-fetch-ms the rest (what compiling did not overlap with the
// download, instantiating, and the Go runtime's start).
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

// The page times its first load() and one signature with it.
const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
const t0 = performance.now();
const { load } = await import('./index.js');
const t1 = performance.now();
const wx = await load();
const t2 = performance.now();
const signature = wx.sortedSHA1('aaaa', 'bbbb', 'cccc', 'dddd', 'eeee', 'ffff');
const t3 = performance.now();
await load(); // the module compiled for the first is kept for the page
const t4 = performance.now();
const [wasm] = performance.getEntriesByType('resource').filter((e) => new URL(e.name).pathname.endsWith('/wxcard.wasm'));
window.result = { importMs: t1 - t0, loadMs: t2 - t1, fetchMs: wasm.responseEnd - t1, afterFetchMs: t2 - wasm.responseEnd, againMs: t4 - t3, signature };
</script>`;

const server = createServer(async (req, res) => {
  const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  if (path === '/bench.html') {
    res.writeHead(200, { 'content-type': TYPES['.html'] }).end(PAGE);
    return;
  }
  await sendFile(res, fileUnder(jsDir, path));
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${server.address().port}`;

const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const browser = await chromium.launch({ executablePath, headless: true, args: FLAGS });
const loads = [];
const fetches = [];
const afterFetches = [];
const again = [];
try {
  for (let i = 0; i < LOADS; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/bench.html`);
    const result = await (await page.waitForFunction(() => window.result, null, { timeout: 30_000 })).jsonValue();
    if (result.signature !== '89a0e60888a9471f75dc5eb0ee86431ddbec1fd9') throw new Error(`wrong signature ${result.signature}`);
    loads.push(result.loadMs);
    fetches.push(result.fetchMs);
    afterFetches.push(result.afterFetchMs);
    again.push(result.againMs);
    await context.close();
  }
} finally {
  await browser.close();
  await new Promise((resolve) => server.close(resolve));
}
const median = (values) => values.sort((a, b) => a - b)[LOADS >> 1];
const p50 = median(loads);
console.log(`BenchmarkChromiumLoad\t${LOADS}\t${(p50 * 1e6).toFixed(0)} ns/op\t${p50.toFixed(1)} p50-ms\t${loads[0].toFixed(1)} min-ms\t${loads[LOADS - 1].toFixed(1)} max-ms` +
  `\t${median(fetches).toFixed(1)} fetch-ms\t${median(afterFetches).toFixed(1)} after-fetch-ms`);
const againP50 = median(again);
console.log(`BenchmarkChromiumLoadAgain\t${LOADS}\t${(againP50 * 1e6).toFixed(0)} ns/op\t${againP50.toFixed(1)} p50-ms`);
console.log('BenchmarkChromiumLoadBudget\t1\t100000000 ns/op\t100 p50-ms');
