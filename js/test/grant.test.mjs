// wxcard/grant against the shared vectors (grant/testdata/vectors.json,
// written by the Go package grant), in Node and in real workerd.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { startWorker } from './workerd.mjs';

import { mintGrant, verifyGrant, parseGrantKeys, GrantError, MAX_TOKEN_LENGTH } from 'wxcard/grant';
import * as index from '../index.js';

const vectors = JSON.parse(readFileSync(new URL('../../grant/testdata/vectors.json', import.meta.url), 'utf8'));
const keyByID = Object.fromEntries(vectors.keys.map((k) => [k.id, k]));
const withoutKid = ({ kid, ...claims }) => claims;

describe('in Node', () => {
  for (const v of vectors.valid) {
    test(`mint and verify: ${v.name}`, async () => {
      const token = await mintGrant(keyByID[v.key], withoutKid(v.claims), { now: v.now });
      assert.equal(token, v.token, 'the JS token is byte for byte the Go one');
      const claims = await verifyGrant(v.token, { app: vectors.app, keys: vectors.keys, now: v.now });
      assert.deepEqual(claims, v.claims);
    });
  }

  for (const v of vectors.invalid) {
    test(`refuse: ${v.name}`, async () => {
      await assert.rejects(verifyGrant(v.token, { app: vectors.app, keys: vectors.keys, now: v.now }), (err) => {
        assert.ok(err instanceof GrantError);
        assert.equal(err.reason, v.error);
        const mac = v.token.split('.')[1];
        if (mac && mac.length >= 8) assert.ok(!err.message.includes(mac.slice(0, 8)), 'the message repeats the MAC');
        return true;
      });
    });
  }

  test('edge codes of the reasons', async () => {
    const code = async (name) => {
      const v = vectors.invalid.find((x) => x.name === name);
      return verifyGrant(v.token, { app: vectors.app, keys: vectors.keys, now: v.now }).catch((e) => e.code);
    };
    assert.equal(await code('expired'), 'grant_expired');
    assert.equal(await code('wrong app'), 'grant_wrong_app');
    assert.equal(await code('unknown key id'), 'grant_unknown_key');
    assert.equal(await code('payload altered, MAC kept'), 'grant_invalid');
  });

  test('defaults: random jti, five minutes, the clock', async () => {
    const key = vectors.keys[0];
    const a = await mintGrant(key, { app: vectors.app, card: 'pCardA', openid: 'oX' });
    const b = await mintGrant(key, { app: vectors.app, card: 'pCardA', openid: 'oX' });
    assert.notEqual(a, b);
    const c = await verifyGrant(a, { app: vectors.app, keys: vectors.keys });
    assert.equal(c.kid, key.id);
    assert.match(c.jti, /^[A-Za-z0-9_-]{22}$/);
    assert.ok(Math.abs(c.exp - (Date.now() / 1000 + 300)) < 5);
  });

  test('key rotation: both keys during, the new one after', async () => {
    const [oldKey, newKey] = vectors.keys;
    const byOld = await mintGrant(oldKey, { app: vectors.app, card: 'pCardA' });
    const byNew = await mintGrant(newKey, { app: vectors.app, card: 'pCardA' });
    for (const t of [byOld, byNew]) await verifyGrant(t, { app: vectors.app, keys: [oldKey, newKey] });
    await verifyGrant(byNew, { app: vectors.app, keys: [newKey] });
    await assert.rejects(verifyGrant(byOld, { app: vectors.app, keys: [newKey] }), { reason: 'unknown_key' });
  });

  test('mint refuses what verify would refuse', async () => {
    const key = vectors.keys[0];
    const now = 1_750_000_000;
    const cases = [
      [{ app: vectors.app }, 'invalid_claims'],
      [{ card: 'c' }, 'invalid_claims'],
      [{ app: vectors.app, card: 'c', exp: now + 601 }, 'invalid_claims'],
      [{ app: vectors.app, card: 'c', exp: now }, 'invalid_claims'],
      [{ app: vectors.app, card: 'c', exp: now * 1000 }, 'invalid_claims'],
      [{ app: vectors.app, card: 'c', openid: 'o\n' }, 'invalid_claims'],
      [{ app: vectors.app, card: 'c', balance: -1 }, 'invalid_claims'],
      [{ app: vectors.app, card: 'c', balance: 2 ** 53 }, 'invalid_claims'],
      [{ app: vectors.app, card: 'x'.repeat(65) }, 'invalid_claims'],
      [{ app: vectors.app, card: 'c', scope: 'all' }, 'invalid_claims'],
      [{ app: vectors.app, card: 'c', code: '\ud800' }, 'invalid_claims'],
    ];
    for (const [claims, reason] of cases) {
      await assert.rejects(mintGrant(key, claims, { now }), { reason }, JSON.stringify(claims));
    }
    await assert.rejects(mintGrant({ id: 'k', secret: new Uint8Array(31) }, { app: 'a', card: 'c' }), { reason: 'invalid_key' });
    await assert.rejects(mintGrant({ id: 'a:b', secret: new Uint8Array(32) }, { app: 'a', card: 'c' }), { reason: 'invalid_key' });
    assert.ok((await mintGrant(key, { app: vectors.app, card: 'c', exp: now + 600 }, { now })).length < MAX_TOKEN_LENGTH);
  });

  test('parseGrantKeys reads the variable format and never echoes a secret', () => {
    const text = vectors.keys.map((k) => `${k.id}:${k.secret}`).join(',\n ');
    const keys = parseGrantKeys(text);
    assert.deepEqual(keys.map((k) => k.id), vectors.keys.map((k) => k.id));
    assert.equal(keys[0].secret.length, 32);
    for (const bad of ['nocolon', `k1:${vectors.keys[0].secret.slice(0, 20)}`, `k1:${vectors.keys[0].secret} k1:${vectors.keys[1].secret}`]) {
      assert.throws(() => parseGrantKeys(bad), (err) => {
        assert.equal(err.reason, 'invalid_key');
        assert.ok(!err.message.includes(vectors.keys[0].secret.slice(0, 12)));
        return true;
      });
    }
  });

  test('no input makes verifyGrant throw anything but a GrantError', async () => {
    const inputs = ['', '.', '..', 'a.b', '\u0000', 'x'.repeat(5000), `${'A'.repeat(10)}.${'A'.repeat(43)}`, vectors.valid[0].token.replace('e', 'E')];
    for (let i = 0; i < 200; i++) {
      const original = vectors.valid[i % vectors.valid.length].token;
      const t = original.split('');
      t[(i * 7919) % t.length] = String.fromCharCode(32 + ((i * 31) % 95));
      if (t.join('') !== original) inputs.push(t.join(''));
    }
    for (const input of inputs) {
      await assert.rejects(verifyGrant(input, { app: vectors.app, keys: vectors.keys, now: 1_750_000_000 }), GrantError, input);
    }
  });

  test('the package root exports the grant API', () => {
    assert.equal(index.mintGrant, mintGrant);
    assert.equal(index.verifyGrant, verifyGrant);
    assert.equal(index.GrantError, GrantError);
  });
});

describe('in workerd', () => {
  let worker;
  before(async () => {
    worker = await startWorker('grant-worker.mjs');
  });
  after(async () => {
    await worker?.dispose();
  });

  const post = (path, body) => worker.post(path, body);

  test('mints the Go tokens and accepts them', async () => {
    for (const v of vectors.valid) {
      const minted = await post('/mint', { key: keyByID[v.key], claims: withoutKid(v.claims), now: v.now });
      assert.equal(minted.status, 200, JSON.stringify(minted.body));
      assert.equal(minted.body.token, v.token, v.name);
      const verified = await post('/verify', { token: v.token, app: vectors.app, keys: vectors.keys, now: v.now });
      assert.equal(verified.status, 200, JSON.stringify(verified.body));
      assert.deepEqual(verified.body.claims, v.claims, v.name);
    }
  });

  test('refuses the invalid vectors with their reasons', async () => {
    for (const v of vectors.invalid) {
      const res = await post('/verify', { token: v.token, app: vectors.app, keys: vectors.keys, now: v.now });
      assert.equal(res.status, 403, v.name);
      assert.equal(res.body.error.reason, v.error, v.name);
    }
  });

  test('a grant minted in workerd with a random id verifies in Node', async () => {
    const minted = await post('/mint', { key: vectors.keys[1], claims: { app: vectors.app, card: 'pCardA', openid: 'oX' } });
    const claims = await verifyGrant(minted.body.token, { app: vectors.app, keys: vectors.keys });
    assert.equal(claims.openid, 'oX');
  });
});
