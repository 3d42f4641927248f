// The package in real workerd (miniflare), loading wxcard.wasm as the
// precompiled WebAssembly.Module a Worker gets from `import wasm from …`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker } from './workerd.mjs';

let worker;

before(async () => {
  worker = await startWorker('worker.mjs');
});

after(async () => {
  await worker?.dispose();
});

const post = (path, body) => worker.post(path, body);

test('signatures in workerd match the documented vectors', async () => {
  const res = await post('/card-ext', {
    apiTicket: 'ojZ8YtyVyr30HheH3CM73y7h4jJE', cardId: 'pjZ8Yt1XGILfi-FUsewpnnolGgZk', code: '1434008071',
    timestamp: 1404896688, nonceStr: '123',
  });
  assert.equal(res.status, 200);
  assert.equal(res.body.signature, 'f137ab68b7f8112d20ee528ab6074564e2796250');
  const list = await post('/add-card', {
    apiTicket: 'ojZ8YtyVyr30HheH3CM73y7h4jJE', cards: [{ cardId: 'pjZ8Yt1XGILfi-FUsewpnnolGgZk', code: '1434008071' }],
    options: { timestamp: 1404896688, nonces: ['123'] },
  });
  assert.equal(list.status, 200);
  assert.equal(JSON.parse(list.body.cardList[0].cardExt).signature, 'f137ab68b7f8112d20ee528ab6074564e2796250');
  const sorted = await post('/sorted', { values: ['aaaa', 'bbbb', 'cccc', 'dddd', 'eeee', 'ffff'] });
  assert.equal(sorted.body.signature, '89a0e60888a9471f75dc5eb0ee86431ddbec1fd9');
});

test('generated nonces and timestamps work in workerd, errors are WxcardError', async () => {
  const res = await post('/add-card', { apiTicket: 't', cards: [{ cardId: 'a' }, { cardId: 'b' }] });
  assert.equal(res.status, 200);
  const exts = res.body.cardList.map((c) => JSON.parse(c.cardExt));
  assert.match(exts[0].nonce_str, /^[A-Za-z0-9]{24}$/);
  assert.notEqual(exts[0].nonce_str, exts[1].nonce_str);
  assert.ok(Math.abs(Number(exts[0].timestamp) - Date.now() / 1000) < 60);
  const bad = await post('/card-ext', { apiTicket: 't' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.code, 'invalid_input');
  assert.equal(bad.body.error.field, 'cardId');
});
