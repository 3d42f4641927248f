// The demo merchant page and the preview tool in headless Chromium, driven by
// playwright-core. The Go test TestDemoInChromium (e2e_test.go) starts the
// local server and runs this script in phases, doing the merchant's backend
// part (the admin client) in between:
//
//   node demo.mjs add   '{"base","profile","shots","cardId"}'
//       open /demo/, wait for wx.ready, click "Add to WeChat wallet" on cardId,
//       confirm in the stand-in's sheet, wait for the card in the wallet;
//       prints {"openid","code","cardList"}
//   node demo.mjs screenshot '{"base","profile","cardIds","out"}'
//       add each card, then save the page (docs/demo.png)
//   node demo.mjs check '{"base","profile","shots","cardId","code","cardList","ticket"}'
//       reload /demo/ and wait for that code to show as used; open the preview
//       tool, paste the cardList copied from the demo with the ticket, and
//       check it verifies (and that a tampered copy does not);
//       prints {"status","previewSummary"}
//
// The profile directory is shared by the phases, so the simulated user (kept
// in localStorage) is the same. Screenshots go to the shots directory.
// Any failed expectation exits non-zero with the reason on stderr.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createRequire } from 'node:module';

// playwright-core is a devDependency of the repository root.
const require = createRequire(new URL('../../../package.json', import.meta.url));
const { chromium } = require('playwright-core');

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'];

const [phase, rawArgs] = process.argv.slice(2);
const args = JSON.parse(rawArgs || '{}');

async function open() {
  const context = await chromium.launchPersistentContext(args.profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 960 },
    deviceScaleFactor: 1,
  });
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

async function add() {
  const { context, page, errors } = await open();
  try {
    await openDemo(page);
    const button = page.locator(`button[data-add="${args.cardId}"]`);
    await button.waitFor();
    assert.equal(await button.isEnabled(), true, 'the add button is enabled after wx.ready');
    await button.click();
    // The stand-in shows WeChat's sheet; the user confirms.
    await page.waitForSelector('[data-standin="sheet"]');
    await page.screenshot({ path: join(args.shots, '1-add-sheet.png') });
    await page.click('[data-standin="confirm"]');
    const item = page.locator(`#wallet li[data-card-id="${args.cardId}"][data-status="NORMAL"]`);
    await item.first().waitFor({ timeout: 15000 });
    await page.waitForSelector('#events .ev-ok >> text=addCard success');
    await page.screenshot({ path: join(args.shots, '2-added.png') });
    const cardList = JSON.parse(await page.textContent('#cardlist'));
    assert.equal(cardList.length, 1);
    assert.equal(cardList[0].cardId, args.cardId);
    const openid = await page.evaluate(() => window.wx.standin.openid);
    assert.equal(await page.textContent('#openid'), openid);
    assert.deepEqual(errors, []);
    return { openid, code: await item.first().getAttribute('data-code'), cardList };
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
    for (const id of args.cardIds) {
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

const phases = { add, check, screenshot };
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
