// node --test: the JS package over the real wxcard.wasm (make wasm puts it
// in js/). The differential set comes from the Go test (make wasm-differential).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, mkdtemp, copyFile, rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { load, WxcardError, defaultWasmURL } from '../index.js';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const vectors = JSON.parse(await readFile(here('../../signer/testdata/signatures.json'), 'utf8'));
const sha1 = (s) => createHash('sha1').update(s).digest('hex');

function throwsCode(fn, code, field) {
  assert.throws(fn, (err) => {
    assert.ok(err instanceof WxcardError, `WxcardError, got ${err}`);
    assert.equal(err.code, code, err.message);
    if (field !== undefined) assert.equal(err.field, field, err.message);
    assert.ok(err.message.length > 0);
    return true;
  });
}

test('loads from every kind of source', async (t) => {
  const bytes = await readFile(defaultWasmURL);
  const sources = {
    'default (file next to index.js)': undefined,
    'file URL': defaultWasmURL,
    'path string': fileURLToPath(defaultWasmURL),
    'bytes (ArrayBufferView)': bytes,
    'precompiled WebAssembly.Module (Workers)': await WebAssembly.compile(bytes),
    'Response with the wrong MIME type (streaming falls back)': new Response(bytes, { headers: { 'content-type': 'application/octet-stream' } }),
    'Response as application/wasm (instantiateStreaming)': new Response(bytes, { headers: { 'content-type': 'application/wasm' } }),
  };
  for (const [name, src] of Object.entries(sources)) {
    await t.test(name, async () => {
      const wx = await load(src);
      assert.equal(wx.sortedSHA1('aaaa', 'bbbb', 'cccc', 'dddd', 'eeee', 'ffff'), '89a0e60888a9471f75dc5eb0ee86431ddbec1fd9');
    });
  }
  await t.test('a package without wxcard.wasm says how to get it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wxcard-nowasm-'));
    try {
      for (const f of ['index.js', 'wasi.js']) await copyFile(here(`../${f}`), join(dir, f));
      const bare = await import(pathToFileURL(join(dir, 'index.js')).href);
      await assert.rejects(bare.load(), (e) => e.code === 'load_failed' && /ENOENT/.test(e.message) && /make wasm/.test(e.message));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  await t.test('a missing file is a load_failed error', async () => {
    await assert.rejects(load(new URL('./missing.wasm', import.meta.url)),
      (e) => e instanceof WxcardError && e.code === 'load_failed' && /missing\.wasm.*pass the path of wxcard\.wasm/.test(e.message));
    await assert.rejects(load(new Response('nope', { status: 404 })), (e) => e.code === 'load_failed' && /404/.test(e.message));
    await assert.rejects(load(42), (e) => e.code === 'load_failed');
  });
});

test('signature vectors', async (t) => {
  const wx = await load();
  const wrong = new Set(vectors.negative.map((n) => n.wrong_signature));
  for (const v of vectors.card_ext) {
    await t.test(`card_ext: ${v.source}`, () => {
      const values = [v.api_ticket, v.timestamp, v.card_id, v.code, v.openid, v.nonce_str];
      assert.equal(wx.sortedSHA1(...values), v.signature);
      assert.equal(wx.sortedSHA1(values), v.signature);
      const explained = wx.explainSortedSHA1(values);
      assert.equal(explained.signature, v.signature);
      assert.equal(sha1(explained.preimage), v.signature);
      if (!/^\d+$/.test(v.timestamp)) return; // "bbbb" only fits the generic rule
      const res = wx.cardExtSignature({
        apiTicket: v.api_ticket, cardId: v.card_id, code: v.code || undefined, openid: v.openid || undefined,
        timestamp: v.timestamp, nonceStr: v.nonce_str,
      });
      assert.equal(res.signature, v.signature);
      assert.equal(sha1(res.preimage), v.signature);
      assert.equal(res.timestamp, Number(v.timestamp));
      assert.ok(!wrong.has(res.signature));
      const ext = JSON.parse(res.cardExt);
      assert.equal(ext.signature, v.signature);
      assert.equal(ext.timestamp, v.timestamp, 'timestamp is a string of seconds');
      assert.equal(ext.nonce_str, v.nonce_str);
      assert.ok(!res.cardExt.includes('null'));
      const check = wx.verifyCardExt({ apiTicket: v.api_ticket, cardId: v.card_id, cardExt: res.cardExt });
      assert.equal(check.valid, true);
      assert.equal(check.expected, v.signature);
      assert.deepEqual(check.problems, []);
      const list = wx.addCard(v.api_ticket, [{ cardId: v.card_id, code: v.code || undefined, openid: v.openid || undefined }],
        { timestamp: Number(v.timestamp), nonces: [v.nonce_str] });
      assert.deepEqual(list, [{ cardId: v.card_id, cardExt: res.cardExt }]);
    });
  }
  for (const v of vectors.choose_card) {
    await t.test(`choose_card: ${v.source}`, () => {
      const res = wx.chooseCard({
        apiTicket: v.api_ticket, appId: v.app_id, shopId: v.location_id, cardId: v.card_id, cardType: v.card_type,
        timestamp: v.timestamp, nonceStr: v.nonce_str,
      });
      assert.equal(res.cardSign, v.card_sign);
      assert.equal(res.signType, 'SHA1');
    });
  }
  for (const v of vectors.jssdk) {
    await t.test(`jssdk: ${v.source}`, () => {
      const params = { jsapiTicket: v.jsapi_ticket, appId: 'wx0123456789abcdef', url: v.url, timestamp: v.timestamp, nonceStr: v.noncestr };
      const cfg = wx.jsConfig(params);
      assert.equal(cfg.signature, v.signature);
      assert.ok(!wrong.has(cfg.signature));
      const check = wx.checkJSConfig(params);
      assert.equal(sha1(check.preimage), v.signature);
      assert.equal(check.signedUrl, v.url.split('#')[0]);
      assert.equal(check.warnings.some((w) => w.code === 'url_fragment'), v.url.includes('#'));
    });
  }
  await t.test('negative: the text "null" is caught', () => {
    const doc = vectors.card_ext[0];
    const bad = wx.sortedSHA1(doc.api_ticket, doc.timestamp, doc.card_id, doc.code, 'null', doc.nonce_str);
    assert.ok(wrong.has(bad));
    const cardExt = JSON.stringify({ code: doc.code, openid: 'null', timestamp: doc.timestamp, nonce_str: doc.nonce_str, signature: bad });
    const check = wx.verifyCardExt({ apiTicket: doc.api_ticket, cardId: doc.card_id, cardExt });
    assert.ok(check.problems.some((p) => p.code === 'literal_null' && p.field === 'openid'));
  });
  await t.test('negative: a cardExt signed with the jsapi ticket is named', () => {
    const doc = vectors.card_ext[0];
    const jsapiTicket = 'jsapiTicketJsapiTicket';
    const signature = wx.sortedSHA1(jsapiTicket, doc.timestamp, doc.card_id, doc.code, '', doc.nonce_str);
    const cardExt = JSON.stringify({ code: doc.code, timestamp: doc.timestamp, nonce_str: doc.nonce_str, signature });
    const check = wx.verifyCardExt({ apiTicket: doc.api_ticket, jsapiTicket, cardId: doc.card_id, cardExt });
    assert.equal(check.valid, false);
    assert.deepEqual(check.problems.filter((p) => p.cause).map((p) => [p.code, p.field]), [['wrong_ticket_type', 'api_ticket']]);
  });
});

test('verifyJSConfig and verifyChooseCard: the vectors verify, the classic mistakes are named', async (t) => {
  const wx = await load();
  for (const v of vectors.jssdk) {
    await t.test(`jssdk: ${v.source}`, () => {
      const page = `${v.url.split('#')[0]}#wechat_redirect`;
      for (const timestamp of [v.timestamp, Number(v.timestamp)]) {
        const res = wx.verifyJSConfig({ jsapiTicket: v.jsapi_ticket, url: page, timestamp, nonceStr: v.noncestr, signature: v.signature });
        assert.equal(res.valid, true, JSON.stringify(res.problems));
        assert.deepEqual(res.problems, []);
        assert.equal(res.signedUrl, v.url.split('#')[0]);
        assert.equal(sha1(res.preimage), v.signature);
      }
      const withFragment = sha1(`jsapi_ticket=${v.jsapi_ticket}&noncestr=${v.noncestr}&timestamp=${v.timestamp}&url=${page}`);
      const res = wx.verifyJSConfig({ jsapiTicket: v.jsapi_ticket, url: page, timestamp: v.timestamp, nonceStr: v.noncestr, signature: withFragment });
      assert.equal(res.valid, false);
      assert.deepEqual(res.problems.map((p) => p.code), ['url_fragment']);
      const card = 'cardTicketCardTicket';
      const wrongTicket = sha1(`jsapi_ticket=${card}&noncestr=${v.noncestr}&timestamp=${v.timestamp}&url=${v.url.split('#')[0]}`);
      const named = wx.verifyJSConfig({ jsapiTicket: v.jsapi_ticket, apiTicket: card, url: page, timestamp: v.timestamp, nonceStr: v.noncestr, signature: wrongTicket });
      assert.deepEqual(named.problems.map((p) => p.code), ['wrong_ticket_type']);
    });
  }
  for (const v of vectors.choose_card) {
    await t.test(`choose_card: ${v.source}`, () => {
      const params = {
        apiTicket: v.api_ticket, appId: v.app_id, shopId: v.location_id, cardId: v.card_id, cardType: v.card_type,
        timestamp: v.timestamp, nonceStr: v.nonce_str, signType: 'SHA1', cardSign: v.card_sign,
      };
      const res = wx.verifyChooseCard(params);
      assert.equal(res.valid, true, JSON.stringify(res.problems));
      assert.equal(sha1(res.preimage), v.card_sign);
      const upper = wx.verifyChooseCard({ ...params, cardSign: v.card_sign.toUpperCase() });
      assert.deepEqual(upper.problems.map((p) => p.code), ['signature_uppercase']);
      const ms = wx.verifyChooseCard({ ...params, timestamp: `${v.timestamp}000` });
      assert.equal(ms.valid, false);
      assert.equal(ms.problems[0].code, 'timestamp_milliseconds');
    });
  }
  await t.test('input the verifiers cannot use is a coded error', () => {
    throwsCode(() => wx.verifyJSConfig({ jsapiTicket: 't', url: '/relative' }), 'invalid_input', 'url');
    throwsCode(() => wx.verifyChooseCard({ apiTicket: 't' }), 'invalid_input', 'appId');
    throwsCode(() => wx.verifyChooseCard({ apiTicket: 't', appId: 'a', timestamp: {} }), 'invalid_input', 'timestamp');
  });
});

test('differential set from the Go test is reproduced byte for byte', async () => {
  const file = process.env.WXCARD_DIFFERENTIAL ?? here('../../build/wasm-differential.json');
  let cases;
  try {
    cases = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    assert.fail(`cannot read ${file} (run make wasm-differential): ${err.message}`);
  }
  assert.ok(cases.length >= 10000, `${cases.length} cases`);
  const wx = await load();
  let fast = 0;
  for (const c of cases) {
    const req = JSON.stringify(c.request);
    const got = wx.callRaw(c.op, req);
    assert.equal(got, JSON.stringify(c.response), `${c.op} ${req}`);
    if (c.op === 'sorted_sha1' && c.response.ok) {
      assert.equal(wx.sortedSHA1(c.request.values), c.response.ok.signature);
      fast++;
    }
  }
  assert.ok(fast > 500);
  assert.equal(wx.liveAllocations(), 2);
});

test('bad input throws WxcardError and the instance stays usable', async (t) => {
  const wx = await load();
  const ticket = 'sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg';
  const stillWorks = () => assert.equal(
    wx.cardExtSignature({ apiTicket: ticket, cardId: 'random_card_id', timestamp: 1414587457, nonceStr: 'Wm3WZYTPz0wzccnW' }).signature,
    '22dce6bad4db532d4a2ef82ca2ca7bbe1e10ef28');
  const cases = [
    ['missing card id', () => wx.cardExtSignature({ apiTicket: ticket }), 'invalid_input', 'cardId'],
    ['ms timestamp', () => wx.cardExtSignature({ apiTicket: ticket, cardId: 'c', timestamp: Date.now() }), 'invalid_input', 'timestamp'],
    ['null openid', () => wx.cardExtSignature({ apiTicket: ticket, cardId: 'c', openid: null }), 'invalid_input', 'openid'],
    ['unknown parameter', () => wx.cardExtSignature({ apiTicket: ticket, cardID: 'c' }), 'invalid_input', 'cardID'],
    ['not an object', () => wx.cardExtSignature('c'), 'invalid_input'],
    ['cards not an array', () => wx.addCard(ticket, { cardId: 'c' }), 'invalid_input', 'cards'],
    ['bad second card', () => wx.addCard(ticket, [{ cardId: 'c' }, { code: 'x' }]), 'invalid_input', 'cards[1].cardId'],
    ['bad outerStr of a card', () => wx.addCard(ticket, [{ cardId: 'c', outerStr: 1 }]), 'invalid_input', 'cards[0].outerStr'],
    ['nonces for the wrong number of cards', () => wx.addCard(ticket, [{ cardId: 'c' }], { nonces: [] }), 'invalid_input', 'nonces'],
    ['the alias the caller used', () => wx.chooseCard({ apiTicket: ticket, appId: 'wx1', locationId: 7 }), 'invalid_input', 'locationId'],
    ['missing jsapi ticket', () => wx.jsConfig({ appId: 'wx1', url: 'https://a.example/' }), 'invalid_input', 'jsapiTicket'],
    ['call() speaks the ABI', () => wx.call('card_ext', { api_ticket: ticket }), 'invalid_input', 'card_id'],
    ['relative url', () => wx.jsConfig({ jsapiTicket: ticket, appId: 'wx1', url: '/p' }), 'invalid_input', 'url'],
    ['cardExt object', () => wx.verifyCardExt({ apiTicket: ticket, cardId: 'c', cardExt: { signature: 'x' } }), 'invalid_input', 'cardExt'],
    ['non-string value', () => wx.sortedSHA1('a', 1), 'invalid_input'],
    ['unknown op', () => wx.callRaw('nope', '{}'), 'unknown_operation'],
    ['raw not JSON', () => JSON.parse(wx.callRaw('card_ext', `ticket=${ticket}`)).error.code === 'invalid_json' || assert.fail(), null],
    ['lone surrogate', () => wx.cardExtSignature({ apiTicket: ticket, cardId: 'c\ud800' }), 'invalid_utf8'],
    ['lone surrogate on the fast path', () => wx.sortedSHA1('a', 'b\udc00'), 'invalid_utf8'],
    ['lone surrogate at the end of a value', () => wx.sortedSHA1(['\ud83d', 'x']), 'invalid_utf8'],
    ['lone surrogate in raw JSON', () => wx.callRaw('sorted_sha1', '{"values":["\ud800"]}'), 'invalid_utf8'],
    ['request over 1 MiB', () => wx.sortedSHA1('x'.repeat((1 << 20) + 1)), 'request_too_large'],
  ];
  for (const [name, fn, code, field] of cases) {
    await t.test(name, () => {
      if (code === null) {
        fn();
      } else {
        throwsCode(fn, code, field);
        try { fn(); } catch (err) { assert.ok(!err.message.includes(ticket.slice(0, 20)), 'no ticket in messages'); }
      }
      stillWorks();
    });
  }
  await t.test('messages name the field as the caller wrote it', () => {
    assert.throws(() => wx.cardExtSignature({ apiTicket: ticket, cardId: 'c', outerStr: 5 }), /^WxcardError: outerStr /);
    assert.throws(() => wx.addCard(ticket, [{ code: 'x' }]), (err) => err.message.startsWith('cards[0].cardId '));
  });
  await t.test('surrogate pairs are signed as UTF-8', () => {
    assert.equal(wx.sortedSHA1('😀', 'a'), sha1('a😀'));
    assert.equal(wx.cardExtSignature({ apiTicket: 't', cardId: '😀', timestamp: 1, nonceStr: 'n' }).signature, sha1(['1', '😀', 'n', 't'].sort().join('')));
  });
  await t.test('values containing NUL take the JSON path', () => {
    assert.equal(wx.sortedSHA1('a\0b', 'c'), sha1('a\0bc'));
  });
  await t.test('large requests grow the scratch buffer', () => {
    const big = 'v'.repeat(300_000);
    assert.equal(wx.sortedSHA1(big, 'a'), sha1(`a${big}`));
    assert.equal(wx.explainSortedSHA1([big, 'é']).signature, sha1(`${big}é`));
    stillWorks();
  });
  assert.equal(wx.liveAllocations(), 2);
});

test('generated timestamps and nonces use the host clock and crypto', async () => {
  const wx = await load();
  const a = wx.cardExtSignature({ apiTicket: 't', cardId: 'c' });
  const b = wx.cardExtSignature({ apiTicket: 't', cardId: 'c' });
  assert.ok(Math.abs(a.timestamp - Date.now() / 1000) < 5);
  assert.match(a.nonceStr, /^[A-Za-z0-9]{24}$/);
  assert.notEqual(a.nonceStr, b.nonceStr);
  const cfg = wx.jsConfig({ jsapiTicket: 't', appId: 'wx1', url: 'https://a.example/p?x=1', jsApiList: ['addCard'] });
  assert.deepEqual(cfg.jsApiList, ['addCard']);
  assert.equal(cfg.signature, sha1(`jsapi_ticket=t&noncestr=${cfg.nonceStr}&timestamp=${cfg.timestamp}&url=https://a.example/p?x=1`));
  const check = wx.checkJSConfig({ jsapiTicket: 't', appId: 'wx1', url: 'https://a.example/p#x', pageUrl: 'https://a.example/q' });
  assert.deepEqual(check.warnings.map((w) => w.code), ['url_fragment', 'url_not_page']);
});

test('100,000 calls without memory growth', async () => {
  const wx = await load();
  const values = ['ticket', '1414587457', 'card', 'code', 'openid', 'nonce'];
  const req = { apiTicket: 'ticket', cardId: 'card', code: 'code', timestamp: 1414587457, nonceStr: 'nonce' };
  const round = (n) => {
    for (let i = 0; i < n; i++) {
      if (i % 2) wx.sortedSHA1(values);
      else wx.cardExtSignature(req);
    }
  };
  round(2_000);
  const warm = wx.memory.buffer.byteLength;
  round(98_000);
  assert.equal(wx.liveAllocations(), 2, 'every response was freed');
  assert.ok(wx.memory.buffer.byteLength <= warm + (4 << 20), `memory grew from ${warm} to ${wx.memory.buffer.byteLength}`);
});

test('a trap makes the instance refuse further calls', async () => {
  // The real module, with one export replaced by a function that traps the
  // way a crashed Go runtime would (no request makes the real module trap).
  const { createWasi } = await import('../wasi.js');
  const { Wxcard } = await import('../index.js');
  const wasi = createWasi();
  const { instance } = await WebAssembly.instantiate(await readFile(defaultWasmURL), wasi.imports);
  wasi.bind(instance.exports.memory);
  instance.exports._initialize();
  const exports = {
    ...instance.exports,
    wxcard_card_ext: () => {
      throw new WebAssembly.RuntimeError('unreachable');
    },
  };
  const wx = new Wxcard({ exports });
  const req = { apiTicket: 'ticket', cardId: 'card', timestamp: 1414587457, nonceStr: 'nonce' };
  assert.throws(() => wx.cardExtSignature(req), (e) => e instanceof WxcardError && e.code === 'wasm_trap' && /unreachable/.test(e.message));
  assert.throws(() => wx.sortedSHA1('a', 'b'), (e) => e instanceof WxcardError && e.code === 'instance_unusable');
  assert.throws(() => wx.jsConfig({ jsapiTicket: 't', appId: 'wx1', url: 'https://a.example/' }), (e) => e.code === 'instance_unusable');
  const fresh = await load();
  assert.equal(fresh.sortedSHA1('a', 'b'), createHash('sha1').update('ab').digest('hex'), 'a new load() works');
});
