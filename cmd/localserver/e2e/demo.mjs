// The demo merchant page and the preview tool in headless Chromium, driven by
// playwright-core. The Go test TestDemoInChromium (e2e_test.go) starts the
// local server and runs this script in phases, doing the merchant's backend
// part (the admin client) in between:
//
//   node demo.mjs add   '{"base","profile","shots","cardId"}'
//       open /demo/ (which signs the user in through the emulated web
//       authorization first), wait for wx.ready, click "Add to wallet" on cardId,
//       cancel the stand-in's sheet, then confirm it, wait for the card in the
//       wallet, copy the cardList, check the fail/complete callbacks, pick the
//       card with wx.chooseCard, see user_get_card for the code in the
//       developer panel's pushed events; prints {"openid","code","cardList"}
//   node demo.mjs screenshot '{"base","profile","cardIds"?,"out"}'
//       add each card (default: the demo's member card, then its cash
//       coupon), then save the page; `make docs-demo-png` runs it for
//       docs/demo.png
//   node demo.mjs check '{"base","profile","shots","cardId","code","cardList","ticket"}'
//       reload /demo/ and wait for that code to show as used and for
//       user_consume_card in the pushed events; open the preview
//       tool, paste the cardList copied from the demo with the ticket, and
//       check it verifies (and that a tampered copy does not); then sign in
//       as "alice" through the consent page; prints {"status","previewSummary"}
//
//   node demo.mjs layout '{"base","profiles","shots","cardId","ticket"}'
//       at 1280×800 and 390×844, with the browser in English and in Chinese
//       (a fresh profile each): the demo page, the stand-in's sheet with a
//       refused card, and the preview tool's "fill in the emulator's ticket"
//       button; nothing scrolls sideways, the key texts are in the browser's
//       language, the console stays clean; then the language switch of one
//       page carries over to the other; prints {"checked"}
//
//   node demo.mjs foreign '{"page","profile"}'
//       open a merchant page served from another origin that loads
//       /wx-standin.js with one <script> tag; prints what its callbacks got
//
// The profile directory is shared by the phases, so the simulated user (kept
// in localStorage) is the same. Screenshots go to the shots directory.
// Any failed expectation exits non-zero with the reason on stderr.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import { createRequire } from 'node:module';

// playwright-core is a devDependency of the repository root.
const require = createRequire(new URL('../../../package.json', import.meta.url));
const { chromium } = require('playwright-core');

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'];

const [phase, rawArgs] = process.argv.slice(2);
const args = JSON.parse(rawArgs || '{}');

async function open({ profile = args.profile, viewport = { width: 1280, height: 960 }, locale = 'en-US' } = {}) {
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: FLAGS,
    viewport,
    deviceScaleFactor: 1,
    locale,
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: args.base });
  const page = context.pages()[0] || await context.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
  return { context, page, errors };
}

async function openDemo(page) {
  await page.goto(`${args.base}/demo/`);
  await page.waitForSelector('#config-banner.banner-ok', { timeout: 15000 });
  assert.match(await page.textContent('#config-banner'), /wx\.config ok/);
}

// signedInUser checks the page's user came from web authorization: the
// backend's session names the openid the stand-in plays.
async function signedInUser(page) {
  const openid = await page.getAttribute('#signin-user', 'data-openid');
  assert.match(openid || '', /^o[A-Za-z0-9_-]{27}$/, 'signed in through the emulated web authorization');
  assert.equal(await page.evaluate(() => window.wx.standin.openid), openid);
  const me = await page.evaluate(async () => (await fetch('/demo/api/me')).json());
  assert.equal(me.openid, openid);
  return openid;
}

// pushedEvent waits for the developer panel to list event for code (the
// panel polls the backend once a second) and returns its decrypted XML.
async function pushedEvent(page, event, code) {
  const item = page.locator(`#pushed-events li[data-event="${event}"][data-code="${code}"]`);
  await item.first().waitFor({ timeout: 15000 });
  assert.equal(await item.count(), 1, `${event} for ${code} ran the callback once`);
  await item.locator('summary').click();
  const xml = await item.locator('pre').textContent();
  assert.match(xml, new RegExp(`<UserCardCode><!\\[CDATA\\[${code}\\]\\]></UserCardCode>`));
  return xml;
}

async function add() {
  const { context, page, errors } = await open();
  try {
    await openDemo(page);
    const signedIn = await signedInUser(page);
    const button = page.locator(`button[data-add="${args.cardId}"]`);
    await button.waitFor();
    assert.equal(await button.isEnabled(), true, 'the add button is enabled after wx.ready');

    // The user backs out of WeChat's sheet first: the cancel callback.
    await button.click();
    await page.waitForSelector('[data-standin="sheet"]');
    await page.click('[data-standin="cancel"]');
    await page.waitForSelector('#events .ev-warn >> text=addCard cancel');
    assert.equal(await page.locator('#wallet li[data-card-id]').count(), 0);

    // Then adds it for real: success, and the card is in the wallet.
    await button.click();
    await page.waitForSelector('[data-standin="sheet"]');
    await page.screenshot({ path: join(args.shots, '1-add-sheet.png'), animations: 'disabled' });
    await page.click('[data-standin="confirm"]');
    const item = page.locator(`#wallet li[data-card-id="${args.cardId}"][data-status="NORMAL"]`);
    await item.first().waitFor({ timeout: 15000 });
    await page.waitForSelector('#events .ev-ok >> text=addCard success');
    await page.screenshot({ path: join(args.shots, '2-added.png') });
    const code = await item.first().getAttribute('data-code');

    // "Copy" puts the cardList on the clipboard, as a developer would take it
    // to the preview tool.
    await page.click('#copy-cardlist');
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    const cardList = JSON.parse(copied);
    assert.equal(cardList.length, 1);
    assert.equal(cardList[0].cardId, args.cardId);
    assert.deepEqual(cardList, JSON.parse(await page.textContent('#cardlist')));
    const openid = await page.evaluate(() => window.wx.standin.openid);
    assert.equal(await page.textContent('#openid'), openid);
    assert.equal(openid, signedIn);
    const xml = await pushedEvent(page, 'user_get_card', code);
    assert.match(xml, new RegExp(`<FromUserName><!\\[CDATA\\[${openid}\\]\\]></FromUserName>`));

    // WeChat's callback shapes, called directly the way a merchant page
    // would: a cardList signed for someone else fails for this user.
    const foreign = await page.evaluate(async (cardId) => {
      const resp = await fetch('/v1/addcard', { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ cards: [{ card_id: cardId, openid: 'oSomebodyElse00000000000000' }] }) });
      const { cardList } = await resp.json();
      return new Promise((resolve) => {
        const calls = [];
        window.wx.addCard({
          cardList,
          success: (res) => calls.push(['success', res]),
          fail: (res) => calls.push(['fail', res]),
          cancel: (res) => calls.push(['cancel', res]),
          complete: (res) => { calls.push(['complete', res]); resolve(calls); },
        });
        setTimeout(() => document.querySelector('[data-standin="confirm"]').click(), 100);
      });
    }, args.cardId);
    assert.deepEqual(foreign.map(([kind]) => kind), ['fail', 'complete']);
    assert.equal(foreign[0][1].errMsg, 'addCard:fail');
    assert.equal(foreign[0][1].cardList[0].isSuccess, false);
    assert.equal(foreign[0][1].standin.cardList[0].reason, 'openid_mismatch');

    // wx.chooseCard: the user picks the new card; the merchant's server
    // decrypts the encrypt_code WeChat hands the page.
    await page.click('#choose');
    await page.waitForSelector(`[data-standin="sheet"] label[data-code="${code}"]`);
    await page.screenshot({ path: join(args.shots, '2b-choose-sheet.png'), animations: 'disabled' });
    await page.click('[data-standin="confirm"]');
    await page.waitForSelector('#chosen:not([hidden])');
    assert.match(await page.textContent('#chosen'), new RegExp(`code ${code}`));
    await page.waitForSelector('#events .ev-ok >> text=chooseCard success');

    assert.deepEqual(errors, []);
    return { openid, code, cardList };
  } finally {
    await context.close();
  }
}

async function check() {
  const { context, page, errors } = await open();
  try {
    await openDemo(page);
    const used = page.locator(`#wallet li[data-code="${args.code}"]`);
    await used.waitFor({ timeout: 15000 });
    assert.equal(await used.getAttribute('data-status'), 'CONSUMED', 'the consumed code shows as used after a reload');
    assert.equal((await used.locator('.badge').textContent()).trim(), 'Used');
    await used.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(args.shots, '3-consumed.png') });
    await signedInUser(page);
    await pushedEvent(page, 'user_get_card', args.code);
    const consumed = await pushedEvent(page, 'user_consume_card', args.code);
    assert.match(consumed, /<ConsumeSource><!\[CDATA\[FROM_API\]\]><\/ConsumeSource>/);
    await page.locator('#pushed-events').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(args.shots, '3b-pushed-events.png') });

    // The preview tool, with the cardList copied from the demo page.
    await page.goto(`${args.base}/preview/`);
    assert.equal(new URL(page.url()).pathname, '/js/preview/', '/preview/ redirects to the tool');
    await page.waitForSelector('#engine.pill-ok', { timeout: 15000 });
    await page.click('#tab-list');
    await page.uncheck('#list-compare');
    await page.fill('#list-ticket', args.ticket);
    await page.fill('#list-input', JSON.stringify(args.cardList, null, 2));
    await page.click('#list-verify');
    await page.waitForSelector('#list-results .card-result');
    const valid = await page.$$eval('#list-results .card-result', (cards) => cards.map((c) => c.dataset.valid));
    assert.deepEqual(valid, ['true'], 'the demo\'s cardList verifies against the emulator\'s ticket');
    const summary = (await page.textContent('#list-summary')).trim();
    await page.screenshot({ path: join(args.shots, '4-preview-valid.png'), fullPage: true });

    const tampered = structuredClone(args.cardList);
    tampered[0].cardExt = tampered[0].cardExt.replace(/"signature":"([0-9a-f])/, (m, c) => m.slice(0, -1) + (c === '0' ? '1' : '0'));
    await page.fill('#list-input', JSON.stringify(tampered));
    await page.click('#list-verify');
    await page.waitForFunction(() => document.querySelector('#list-results .card-result')?.dataset.valid === 'false');
    await page.screenshot({ path: join(args.shots, '5-preview-tampered.png'), fullPage: true });

    // "Sign in as another user": WeChat's consent page (snsapi_userinfo),
    // where the emulator lets you name the simulated user.
    await openDemo(page);
    const before = await signedInUser(page);
    await page.click('#switch-user');
    await page.waitForSelector('#consent-allow');
    await page.fill('#emulator-user', 'alice');
    await page.screenshot({ path: join(args.shots, '6-consent.png') });
    await page.click('#consent-allow');
    await page.waitForSelector('#config-banner.banner-ok', { timeout: 15000 });
    const alice = await signedInUser(page);
    assert.notEqual(alice, before, 'another user has another openid');
    assert.equal(await page.textContent('#signin-user'), `alice · ${alice}`);
    assert.equal(await page.textContent('#openid'), alice);
    assert.deepEqual(errors, []);
    return { status: 'CONSUMED', previewSummary: summary };
  } finally {
    await context.close();
  }
}

// screenshot: the demo page as a new user sees it after adding two cards;
// for docs/demo.png.
async function screenshot() {
  const { context, page } = await open();
  try {
    await openDemo(page);
    const ids = args.cardIds || await demoCardIds(page, ['MEMBER_CARD', 'CASH']);
    for (const id of ids) {
      await page.click(`button[data-add="${id}"]`);
      await page.click('[data-standin="confirm"]');
      await page.locator(`#wallet li[data-card-id="${id}"]`).first().waitFor();
    }
    // Coupons above, the wallet with the two new cards below.
    await page.locator('#wallet').evaluate((el) => el.scrollIntoView({ block: 'end' }));
    await page.screenshot({ path: args.out });
    return { out: args.out };
  } finally {
    await context.close();
  }
}

// demoCardIds: the id of the first approved demo card of each type.
async function demoCardIds(page, types) {
  const { cards } = await page.evaluate(async () => (await fetch('/demo/api/cards')).json());
  return types.map((type) => {
    const card = cards.find((c) => c.card_type === type && c.status === 'CARD_STATUS_VERIFY_OK');
    assert.ok(card, `no approved ${type} card in the demo`);
    return card.card_id;
  });
}

// foreign: a merchant's own page on another origin, using the stand-in with
// its one <script> line; the page reports what its callbacks got.
async function foreign() {
  const { context, page, errors } = await open();
  try {
    await page.goto(args.page);
    const handle = await page.waitForFunction(() => window.merchantResult, null, { timeout: 15000 });
    const result = await handle.jsonValue();
    assert.deepEqual(errors, []);
    return result;
  } finally {
    await context.close();
  }
}

// layout: both sizes, both languages, chosen by the browser's language.
const KEY_TEXTS = {
  'en-US': {
    lang: 'en', banner: /wx\.config ok/, coupons: 'Coupons', add: 'Add to wallet', sheet: 'Add to card wallet', cancel: 'Cancel',
    refused: /Not added: The card was signed for another user \(openid\)\./, fill: 'Fill in the local emulator\'s ticket', filled: /current wx_card ticket/,
  },
  'zh-CN': {
    lang: 'zh-CN', banner: /wx\.config 成功/, coupons: '优惠券', add: '领取到卡包', sheet: '添加到卡包', cancel: '取消',
    refused: /领取失败：这张卡券是为另一个用户（openid）签名的。/, fill: '填入本地模拟器的 ticket', filled: /当前的 wx_card ticket/,
  },
};

async function noOverflow(page, what) {
  const over = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
  assert.ok(over <= 0, `${what} scrolls sideways by ${over} px`);
}

async function insideViewport(page, selector) {
  const box = await page.$eval(selector, (e) => { const r = e.getBoundingClientRect(); return { left: r.left, right: r.right, width: innerWidth }; });
  assert.ok(box.left >= 0 && box.right <= box.width, `${selector} sticks out: ${JSON.stringify(box)}`);
}

async function layout() {
  const checked = [];
  for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
    for (const locale of Object.keys(KEY_TEXTS)) {
      const want = KEY_TEXTS[locale];
      const name = `layout-${viewport.width}-${want.lang}`;
      const profile = await mkdtemp(join(args.profiles, `${name}-`));
      const { context, page, errors } = await open({ profile, viewport, locale });
      try {
        await page.goto(`${args.base}/demo/`);
        await page.waitForSelector('#config-banner.banner-ok', { timeout: 15000 });
        assert.equal(await page.getAttribute('html', 'lang'), want.lang);
        assert.match(await page.textContent('#config-banner'), want.banner);
        assert.equal((await page.textContent('h2.section')).trim(), want.coupons);
        const button = page.locator(`button[data-add="${args.cardId}"]`);
        assert.equal((await button.textContent()).trim(), want.add);
        await noOverflow(page, `${name} demo`);
        await insideViewport(page, '.phone');
        await insideViewport(page, '.devtools');
        await page.screenshot({ path: join(args.shots, `${name}-demo.png`) });

        // The sheet, in the page's language; then a card signed for somebody
        // else, refused with a sentence, not a code.
        await button.click();
        await page.waitForSelector('[data-standin="sheet"]');
        assert.match(await page.textContent('[data-standin="sheet"] .wxsi-head'), new RegExp(want.sheet));
        assert.equal(await page.textContent('[data-standin="cancel"]'), want.cancel);
        await insideViewport(page, '.wxsi-sheet');
        await page.screenshot({ path: join(args.shots, `${name}-sheet.png`), animations: 'disabled' });
        await page.click('[data-standin="cancel"]');
        // The sheet shows why for a moment, then closes: an observer keeps
        // the line, so no timing decides the outcome.
        await page.evaluate(() => {
          window.refusedLine = new Promise((resolve) => {
            new MutationObserver((_, observer) => {
              const line = document.querySelector('.wxsi-err[data-codes]');
              if (line && !line.hidden) {
                observer.disconnect();
                resolve({ codes: line.dataset.codes, text: line.textContent });
              }
            }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
          });
        });
        const refused = page.evaluate(async (cardId) => {
          const resp = await fetch('/v1/addcard', { method: 'POST', headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ cards: [{ card_id: cardId, openid: 'oSomebodyElse00000000000000' }] }) });
          const { cardList } = await resp.json();
          return new Promise((resolve) => window.wx.addCard({ cardList, complete: resolve }));
        }, args.cardId);
        await page.click('[data-standin="confirm"]');
        const line = await page.evaluate(() => window.refusedLine);
        assert.equal(line.codes, 'openid_mismatch');
        assert.match(line.text, want.refused);
        assert.equal((await refused).errMsg, 'addCard:fail');

        // The preview tool, served by this server in emulator mode, fills in
        // the emulator's ticket: the one /v1/addcard signs with.
        await page.goto(`${args.base}/js/preview/`);
        await page.waitForSelector('body[data-ready="true"]', { timeout: 15000 });
        assert.equal(await page.getAttribute('html', 'lang'), want.lang);
        await page.click('#tab-list');
        const fill = page.locator('button[data-fill="list-ticket"]');
        await fill.waitFor();
        assert.equal(await fill.textContent(), want.fill);
        await fill.click();
        await page.waitForFunction(() => document.querySelector('#list-ticket').value !== '');
        assert.equal(await page.inputValue('#list-ticket'), args.ticket);
        assert.match(await page.textContent('[data-ticket-for="list-ticket"] .ticket-status'), want.filled);
        await noOverflow(page, `${name} preview`);
        await page.screenshot({ path: join(args.shots, `${name}-preview.png`), fullPage: true });
        assert.deepEqual(errors, []);
        checked.push(name);
      } finally {
        await context.close();
      }
    }
  }
  // The switch on one page is the choice of the others on this server.
  const { context, page, errors } = await open({ profile: await mkdtemp(join(args.profiles, 'switch-')), locale: 'en-US' });
  try {
    await page.goto(`${args.base}/demo/`);
    await page.waitForSelector('#config-banner.banner-ok', { timeout: 15000 });
    await page.click('[data-lang="zh-CN"]');
    assert.equal((await page.textContent('h2.section')).trim(), '优惠券');
    assert.match(await page.textContent('#config-banner'), /wx\.config 成功/);
    assert.equal(await page.evaluate(() => window.wx.standin.lang), 'zh-CN', 'the sheets follow');
    await page.goto(`${args.base}/js/preview/`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 15000 });
    assert.equal(await page.textContent('#tab-sign'), '卡券签名');
    await page.click('[data-lang="en"]');
    await page.goto(`${args.base}/demo/`);
    await page.waitForSelector('#config-banner.banner-ok', { timeout: 15000 });
    assert.equal((await page.textContent('h2.section')).trim(), 'Coupons');
    assert.deepEqual(errors, []);
    checked.push('switch');
  } finally {
    await context.close();
  }
  return { checked };
}

const phases = { add, check, screenshot, foreign, layout };
if (!phases[phase]) {
  console.error(`usage: node demo.mjs ${Object.keys(phases).join('|')} '<json args>'`);
  process.exit(2);
}
try {
  console.log(JSON.stringify(await phases[phase]()));
} catch (err) {
  console.error(err && err.stack ? err.stack : String(err));
  process.exit(1);
}
