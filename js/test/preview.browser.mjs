// The preview tool in headless Chromium, driven by playwright-core. The js/
// directory is served as static files under an arbitrary path prefix from
// a loopback server this test starts; every other request is blocked and
// counted, so the test also proves the page sends nothing anywhere.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtemp, readFile, rm, mkdir, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';

import { chromium } from 'playwright-core';

import { pickLang, normalizeLang } from '../preview/i18n.js';
import { fileUnder, sendFile } from './static.mjs';

const jsDir = fileURLToPath(new URL('..', import.meta.url));
const PREFIX = '/any/prefix/js/';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'];

// The WeChat JS-SDK documentation's cardExt example (signer/testdata/signatures.json).
const DOC = {
  ticket: 'ojZ8YtyVyr30HheH3CM73y7h4jJE', cardId: 'pjZ8Yt1XGILfi-FUsewpnnolGgZk', code: '1434008071',
  timestamp: '1404896688', nonce: '123', signature: 'f137ab68b7f8112d20ee528ab6074564e2796250',
};

// sortedSHA1 is WeChat's rule, computed independently of the module.
const sortedSHA1 = (...values) => createHash('sha1').update(values.sort().join('')).digest('hex');

let server;
let base;
let context;
let page;
let tmp;
const served = [];
const blocked = [];
const pageErrors = [];

async function findChromium() {
  for (const p of [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (!p) continue;
    try {
      await access(p);
      return p;
    } catch { /* try the next one */ }
  }
  return null;
}

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'wxcard-preview-'));
  server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    served.push(path);
    if (!path.startsWith(PREFIX)) {
      res.writeHead(404).end();
      return;
    }
    let file = fileUnder(jsDir, path.slice(PREFIX.length));
    if (file !== null && path.endsWith('/')) file = join(file, 'index.html');
    await sendFile(res, file);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}`;

  const executablePath = await findChromium();
  if (!executablePath) {
    // make test and CI install Chromium: there a missing one fails.
    const flag = process.env.WXCARD_REQUIRE_SERVICES;
    const required = (flag && flag !== '0') || process.env.CI;
    if (required) throw new Error('chromium not found (Debian: apt-get install chromium)');
    return;
  }
  await mkdir(join(tmp, 'profile'));
  context = await chromium.launchPersistentContext(join(tmp, 'profile'), { executablePath, headless: true, args: FLAGS, viewport: { width: 1360, height: 1000 } });
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.origin === base || url.protocol === 'data:' || url.protocol === 'blob:') return route.continue();
    blocked.push(url.href);
    return route.abort();
  });
  page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (msg) => { if (msg.type() === 'error') pageErrors.push(msg.text()); });
});

after(async () => {
  await context?.close();
  await new Promise((resolve) => server?.close(resolve));
  if (!process.env.WXCARD_KEEP_SCREENSHOTS) await rm(tmp, { recursive: true, force: true });
});

test('the preview tool in headless Chromium', async (t) => {
  if (!context) {
    t.skip('chromium is not installed');
    return;
  }
  await page.goto(`${base}${PREFIX}preview/`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 15000 });

  await t.test('the files come from under the prefix, the module as application/wasm, fetched once', () => {
    // Once: load() reuses the page's <link rel=preload> of the module.
    assert.equal(served.filter((p) => p === `${PREFIX}wxcard.wasm`).length, 1, served.join(' '));
    assert.ok(served.every((p) => p.startsWith(PREFIX) || p === '/favicon.ico'), served.join(' '));
  });

  await t.test('signature debugger: the documented vector', async () => {
    await page.fill('#sig-ticket', DOC.ticket);
    await page.fill('#sig-card-id', DOC.cardId);
    await page.fill('#sig-code', DOC.code);
    await page.fill('#sig-openid', '');
    await page.fill('#sig-timestamp', DOC.timestamp);
    await page.fill('#sig-nonce', DOC.nonce);
    await page.click('#sig-sign');
    assert.equal(await page.textContent('#sig-result-signature'), DOC.signature);
    const sorted = await page.$$eval('#sig-sorted li code', (els) => els.map((e) => e.textContent));
    assert.deepEqual(sorted, ['(empty)', '123', '1404896688', '1434008071', DOC.ticket, DOC.cardId]);
    assert.equal(await page.textContent('#sig-preimage'), `1231404896688${DOC.code}${DOC.ticket}${DOC.cardId}`);
    assert.ok(await page.isHidden('#sig-error'));
    await page.screenshot({ path: join(tmp, 'signature.png'), fullPage: true });
  });

  await t.test('signature debugger: a millisecond timestamp is explained', async () => {
    await page.fill('#sig-timestamp', '1404896688000');
    await page.click('#sig-sign');
    const text = await page.textContent('#sig-error');
    assert.match(text, /timestamp/);
    assert.match(text, /milliseconds/);
    await page.fill('#sig-timestamp', DOC.timestamp);
    await page.click('#sig-sign');
  });

  await t.test('cardList verifier flags a tampered card field by field', async () => {
    const cardExt = await page.$eval('#sig-cardext', (e) => e.dataset.raw);
    const good = { cardId: DOC.cardId, cardExt };
    const tampered = { cardId: DOC.cardId, cardExt: cardExt.replace(DOC.code, '1434008072') };
    const literalNull = { cardId: DOC.cardId, cardExt: cardExt.replace('{', '{"openid":"null",') };
    const asObject = { cardId: DOC.cardId, cardExt: JSON.parse(cardExt) };
    const noNonce = { cardId: DOC.cardId, cardExt: JSON.stringify({ code: DOC.code, timestamp: DOC.timestamp, signature: DOC.signature }) };
    const ms = `${DOC.timestamp}000`;
    const millis = { cardId: DOC.cardId, cardExt: JSON.stringify({ code: DOC.code, timestamp: ms, nonce_str: DOC.nonce, signature: sortedSHA1(DOC.ticket, ms, DOC.cardId, DOC.code, '', DOC.nonce) }) };
    const jsapiTicket = 'bxLdikRXVbTPdHSM05e5u5sUoXNKd8-41ZO3MhKoyN5OfkWITDGgnr2fwJ0m9E8NYzWKVZvdVtaUgWvsdshFKA';
    const wrongTicket = { cardId: DOC.cardId, cardExt: JSON.stringify({ code: DOC.code, timestamp: DOC.timestamp, nonce_str: DOC.nonce, signature: sortedSHA1(jsapiTicket, DOC.timestamp, DOC.cardId, DOC.code, '', DOC.nonce) }) };
    await page.click('#tab-list');
    await page.fill('#list-ticket', DOC.ticket);
    await page.fill('#list-jsapi-ticket', jsapiTicket);
    await page.fill('#list-input', JSON.stringify({ cardList: [good, tampered, literalNull, asObject, noNonce, millis, wrongTicket] }, null, 2));
    await page.click('#list-verify');
    assert.equal(await page.textContent('#list-summary'), '7 cards: 1 valid, 6 failing');
    const cards = await page.$$('#list-results .card-result');
    assert.equal(cards.length, 7);
    const rowStatus = (card) => card.$$eval('tr[data-field]', (rows) => Object.fromEntries(rows.map((r) => [r.dataset.field, r.dataset.status])));

    assert.equal(await cards[0].getAttribute('data-valid'), 'true');
    assert.deepEqual(Object.values(await rowStatus(cards[0])).filter((s) => s !== 'ok'), []);

    assert.equal(await cards[1].getAttribute('data-valid'), 'false');
    const st = await rowStatus(cards[1]);
    assert.equal(st.code, 'bad', JSON.stringify(st));
    assert.equal(st.signature, 'bad');
    for (const f of ['api_ticket', 'card_id', 'timestamp', 'nonce_str', 'openid']) assert.equal(st[f], 'ok', `${f}: ${JSON.stringify(st)}`);
    const codeRow = await cards[1].textContent('tr[data-field="code"]');
    assert.match(codeRow, /1434008072/);
    assert.match(codeRow, /not the value that was signed \("1434008071"\)/);
    const sigRow = await cards[1].textContent('tr[data-field="signature"]');
    assert.match(sigRow, new RegExp(`${DOC.signature}.*expected [0-9a-f]{40}`), 'found and expected signatures');
    assert.match(await cards[1].textContent('ul.explain'), /Found it: code in cardExt is not the value that was signed/);

    const st2 = await rowStatus(cards[2]);
    assert.equal(st2.openid, 'bad', JSON.stringify(st2));
    assert.match(await cards[2].textContent('tr[data-field="openid"]'), /text "null"/);

    // An object cardExt: refused by wx.addCard, but its signature is right,
    // so the card says what to fix instead of "signature mismatch".
    assert.equal(await cards[3].getAttribute('data-valid'), 'false');
    assert.equal(await (await cards[3].$('.badge')).textContent(), 'cardExt must be a string');
    assert.match(await cards[3].textContent('[data-code="cardext_not_string"]'), /cardExt is an object: wx\.addCard wants it as a JSON string/);
    assert.equal((await rowStatus(cards[3])).signature, 'ok');

    assert.equal((await rowStatus(cards[4])).nonce_str, 'bad');
    assert.match(await cards[4].textContent('tr[data-field="nonce_str"]'), /no nonce_str/);

    assert.equal(await cards[5].getAttribute('data-valid'), 'false', 'a millisecond timestamp fails even when the hash matches');
    assert.equal((await rowStatus(cards[5])).timestamp, 'bad');
    assert.match(await cards[5].textContent('tr[data-field="timestamp"]'), /milliseconds/);

    const st6 = await rowStatus(cards[6]);
    assert.equal(st6.api_ticket, 'bad', JSON.stringify(st6));
    assert.match(await cards[6].textContent('ul.explain'), /signed with the jsapi ticket/);
    await page.screenshot({ path: join(tmp, 'cardlist.png'), fullPage: true });
  });

  await t.test('wx.config checker warns about the fragment', async () => {
    await page.click('#tab-config');
    await page.click('#config-example');
    assert.equal(await page.textContent('#cfg-signature'), '0f9de62fce790f9a083d5c99e95740ceb90c27ed');
    assert.equal(await page.textContent('#cfg-signed-url'), 'http://mp.weixin.qq.com?params=value');
    assert.ok(await page.isVisible('#cfg-warnings [data-code="url_fragment"]'));
    // The known wrong digest (fragment included) is recognised.
    await page.fill('#cfg-their-signature', '5dfc97c328db6dc52657c85399cadcdb15bdd566');
    await page.click('#cfg-check');
    assert.match(await page.textContent('#cfg-warnings [data-code="signature_mismatch"]'), /kept its #fragment/);
    assert.equal(await page.getAttribute('#cfg-warnings [data-code="signature_mismatch"]', 'data-causes'), 'url_fragment');
    // The explanation is the module's (signer.VerifyJSConfig), codes and all.
    await page.fill('#cfg-their-signature', '0F9DE62FCE790F9A083D5C99E95740CEB90C27ED');
    await page.click('#cfg-check');
    assert.equal(await page.getAttribute('#cfg-warnings [data-code="signature_mismatch"]', 'data-causes'), 'signature_uppercase');
    await page.fill('#cfg-their-signature', '0f9de62fce790f9a083d5c99e95740ceb90c27ed');
    await page.click('#cfg-check');
    assert.ok(await page.isVisible('#cfg-warnings [data-code="signature_match"]'));
    await page.screenshot({ path: join(tmp, 'config.png'), fullPage: true });
  });

  await t.test('card preview renders a card/create body', async () => {
    await page.click('#tab-card');
    await page.click('#card-example');
    assert.equal(await page.textContent('#card-title'), '满100元减20元');
    const color = await page.$eval('#card-face .face-top', (e) => getComputedStyle(e).backgroundColor);
    assert.equal(color, 'rgb(99, 179, 89)', 'Color010');
    assert.match(await page.textContent('#card-face'), /有效期 2026\.01\.01 - 2026\.12\.31/);
    assert.equal(await page.locator('#card-face svg.qrcode').count(), 1);
    assert.match(await page.textContent('#card-notes'), /logo is not fetched/);
    const shot = join(tmp, 'card-preview.png');
    await page.screenshot({ path: shot, fullPage: true });
    await access(shot);
    t.diagnostic(`screenshots in ${tmp}${process.env.WXCARD_KEEP_SCREENSHOTS ? '' : ' (removed at the end; set WXCARD_KEEP_SCREENSHOTS=1 to keep them)'}`);

    await page.fill('#card-input', '{"card":{"card_type":"GIFT"}}');
    await page.click('#card-render');
    assert.match(await page.textContent('#card-error'), /no "gift" object with base_info/);
    assert.equal(await page.locator('#card-face.empty').count(), 1, 'no old face under the error');

    // After invalid JSON the old face goes too.
    await page.click('#card-example');
    assert.equal(await page.locator('#card-face svg.qrcode').count(), 1);
    await page.fill('#card-input', '{"card": ');
    await page.click('#card-render');
    assert.match(await page.textContent('#card-error'), /invalid_json/);
    assert.equal(await page.locator('#card-face .face-top').count(), 0);
    assert.equal(await page.textContent('#card-face'), 'Render a card to see its face.');
  });

  await t.test('standalone, the page says where the ticket comes from', async () => {
    await page.click('#tab-sign');
    assert.match(await page.textContent('[data-ticket-for="sig-ticket"]'), /getticket\?type=wx_card/);
    assert.equal(await page.locator('button.fill-ticket').count(), 0, 'no emulator here, no fill-in button');
  });

  // Each view at a desktop and a phone size, in both languages: nothing
  // scrolls sideways, the key texts are there, a failing card stays short.
  const VIEWS = [{ width: 1280, height: 800 }, { width: 390, height: 844 }];
  const KEY_TEXTS = {
    en: { tabs: ['Card signature', 'cardList verifier', 'wx.config checker', 'Card preview'], summary: '2 cards: 0 valid, 2 failing', object: 'cardExt must be a string', mismatch: 'signature mismatch', where: /getticket\?type=wx_card/ },
    'zh-CN': { tabs: ['卡券签名', 'cardList 校验', 'wx.config 检查', '卡券预览'], summary: '共 2 张卡券：0 张有效，2 张失败', object: 'cardExt 必须是字符串', mismatch: '签名不一致', where: /getticket\?type=wx_card.*缓存/ },
  };
  for (const view of VIEWS) {
    for (const lang of ['en', 'zh-CN']) {
      await t.test(`${view.width}×${view.height}, ${lang}: no sideways scrolling, the key texts`, async () => {
        const want = KEY_TEXTS[lang];
        await page.setViewportSize(view);
        await page.goto(`${base}${PREFIX}preview/?lang=${lang}`);
        await page.waitForSelector('body[data-ready="true"]', { timeout: 15000 });
        assert.equal(await page.getAttribute('html', 'lang'), lang);
        const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
        const tabs = await page.$$eval('[role=tab]', (els) => els.map((e) => e.textContent.trim()));
        assert.deepEqual(tabs, want.tabs);
        // Every tab is on screen: none hides past the edge.
        const outside = await page.$$eval('[role=tab]', (els) => els.filter((e) => e.getBoundingClientRect().right > innerWidth).length);
        assert.equal(outside, 0, 'all tabs on screen');
        const logo = await page.$eval('.logo', (e) => e.getBoundingClientRect());
        assert.equal(Math.round(logo.width), 40, 'the logo keeps its size');
        assert.match(await page.textContent('[data-ticket-for="sig-ticket"]'), want.where);

        await page.click('#sign-example');
        assert.equal(await page.textContent('#sig-result-signature'), DOC.signature);
        assert.ok(await overflow() <= 0, `signature tab overflows by ${await overflow()} px`);

        const cardExt = await page.$eval('#sig-cardext', (e) => e.dataset.raw);
        await page.click('#tab-list');
        await page.fill('#list-ticket', DOC.ticket);
        await page.uncheck('#list-compare');
        await page.fill('#list-input', JSON.stringify([
          { cardId: DOC.cardId, cardExt: cardExt.replace(DOC.code, '1434008072') },
          { cardId: DOC.cardId, cardExt: JSON.parse(cardExt) },
        ]));
        await page.click('#list-verify');
        assert.equal(await page.textContent('#list-summary'), want.summary);
        const badges = await page.$$eval('#list-results .badge', (els) => els.map((e) => e.textContent));
        assert.deepEqual(badges, [want.mismatch, want.object]);
        assert.ok(await overflow() <= 0, `cardList tab overflows by ${await overflow()} px`);
        const failing = await page.$eval('#list-results .card-result', (e) => e.getBoundingClientRect().height);
        assert.ok(failing < 1500, `a failing card is ${failing} px tall`);
        const verdict = await page.$eval('#list-results tr[data-field="signature"] td.verdict', (e) => e.getBoundingClientRect().width);
        assert.ok(verdict > 150, `the verdict column is ${verdict} px wide`);
        const badgeLines = await page.$$eval('#list-results .dot, #list-results .badge', (els) => els.filter((e) => e.getClientRects().length > 1 || e.getBoundingClientRect().height > 30).length);
        assert.equal(badgeLines, 0, 'no badge breaks over lines');

        await page.click('#tab-config');
        await page.click('#config-example');
        assert.ok(await page.isVisible('#cfg-warnings [data-code="url_fragment"]'));
        if (lang === 'zh-CN') assert.match(await page.textContent('#cfg-warnings [data-code="url_fragment"]'), /#fragment/);
        assert.ok(await overflow() <= 0, `config tab overflows by ${await overflow()} px`);

        await page.click('#tab-card');
        await page.click('#card-example');
        assert.equal(await page.textContent('#card-title'), '满100元减20元');
        assert.ok(await overflow() <= 0, `card tab overflows by ${await overflow()} px`);
        await page.screenshot({ path: join(tmp, `preview-${view.width}-${lang}.png`), fullPage: true });
      });
    }
  }

  await t.test('the switch changes the language, and the choice outlives a reload', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${base}${PREFIX}preview/?lang=en`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 15000 });
    await page.click('#sign-example');
    await page.click('[data-lang="zh-CN"]');
    assert.equal(await page.textContent('#tab-sign'), '卡券签名');
    assert.equal(await page.textContent('#sig-sign'), '签名');
    assert.equal(await page.textContent('#engine'), '签名器已就绪');
    assert.equal(await page.getAttribute('[data-lang="zh-CN"]', 'aria-pressed'), 'true');
    assert.equal(await page.textContent('#sig-result-signature'), DOC.signature, 'the result is redrawn, not lost');
    assert.ok(!page.url().includes('lang='), 'the ?lang= no longer overrides the choice');
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]', { timeout: 15000 });
    assert.equal(await page.textContent('#tab-list'), 'cardList 校验');
    await page.click('[data-lang="en"]');
    assert.equal(await page.textContent('#tab-list'), 'cardList verifier');
    await page.setViewportSize({ width: 1360, height: 1000 });
  });

  await t.test('the lean ABI in Chromium: every card_ext vector through addCard and sortedSHA1', async () => {
    const vectors = JSON.parse(await readFile(join(jsDir, '../signer/testdata/signatures.json'), 'utf8')).card_ext;
    const got = await page.evaluate(async (vs) => {
      const { load } = await import('../index.js');
      const wx = await load();
      return vs.map((v) => ({
        sorted: wx.sortedSHA1(v.api_ticket, v.timestamp, v.card_id, v.code, v.openid, v.nonce_str),
        list: /^\d+$/.test(v.timestamp)
          ? wx.addCard(v.api_ticket, [{ cardId: v.card_id, code: v.code || undefined, openid: v.openid || undefined }], { timestamp: Number(v.timestamp), nonces: [v.nonce_str] })
          : null,
        generated: wx.addCard(v.api_ticket, [{ cardId: v.card_id }, { cardId: v.card_id }]).map((item) => JSON.parse(item.cardExt).nonce_str),
      }));
    }, vectors);
    vectors.forEach((v, i) => {
      assert.equal(got[i].sorted, v.signature, v.source);
      if (got[i].list) assert.equal(JSON.parse(got[i].list[0].cardExt).signature, v.signature, v.source);
      assert.match(got[i].generated[0], /^[A-Za-z0-9]{24}$/);
      assert.notEqual(got[i].generated[0], got[i].generated[1]);
    });
  });

  await t.test('nothing was sent anywhere and the page logged no error', () => {
    assert.deepEqual(blocked, []);
    assert.deepEqual(pageErrors, []);
  });
});

test('the language rule: ?lang=, then the saved choice, then the browser', () => {
  const cases = [
    [{ search: '?lang=zh', stored: 'en', languages: ['en-US'] }, 'zh-CN'],
    [{ search: '?lang=en', stored: 'zh-CN', languages: ['zh-CN'] }, 'en'],
    [{ search: '?lang=fr', stored: 'zh-CN', languages: ['en-US'] }, 'zh-CN'],
    [{ search: '', stored: '', languages: ['zh-TW', 'en'] }, 'zh-CN'],
    [{ search: '', stored: '', languages: ['fr-FR', 'en-GB'] }, 'en'],
    [{ search: '', stored: 'nonsense', languages: ['ja'] }, 'en'],
    [{}, 'en'],
  ];
  for (const [input, want] of cases) assert.equal(pickLang(input), want, JSON.stringify(input));
  assert.equal(normalizeLang('ZH-hans-CN'), 'zh-CN');
  assert.equal(normalizeLang(undefined), '');
});
