// The package as users get it: `npm pack` from a clean copy of the checkout
// (no wxcard.wasm in it: prepack must build one), the tarball installed
// offline into an empty folder, run in Node, and its types compiled with tsc
// in a Node-only, a DOM and a Workers project.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const typesDir = fileURLToPath(new URL('./types', import.meta.url));
const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
const TIMEOUT = 5 * 60 * 1000;

let tmp;
let checkout;
let app;
let tarball;

// run runs a command to completion and returns its output; a failure to
// start is thrown, an exit status is left to the caller.
function run(cmd, args, options = {}) {
  const res = spawnSync(cmd, args, { encoding: 'utf8', timeout: TIMEOUT, maxBuffer: 64 << 20, ...options });
  if (res.error) throw res.error;
  return res;
}

function ok(res, what) {
  assert.equal(res.status, 0, `${what} exited ${res.status}\n${res.stdout}\n${res.stderr}`);
  return res;
}

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'wxcard-package-'));
  // A clean checkout: the files git knows or would add, none it ignores,
  // so no wxcard.wasm and no node_modules.
  checkout = join(tmp, 'checkout');
  const files = ok(run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repoRoot }), 'git ls-files')
    .stdout.split('\0').filter(Boolean);
  for (const file of files) {
    if (!existsSync(join(repoRoot, file))) continue; // deleted in the work tree
    await mkdir(dirname(join(checkout, file)), { recursive: true });
    await cp(join(repoRoot, file), join(checkout, file));
  }
  assert.ok(!existsSync(join(checkout, 'js', 'wxcard.wasm')), 'the copy has no wxcard.wasm');
});

after(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

// npm's cache and config stay inside tmp: the test must not depend on, or
// write to, the user's.
function npm(args, cwd, env = {}) {
  return run('npm', args, {
    cwd,
    env: { ...process.env, npm_config_cache: join(tmp, 'npm-cache'), npm_config_userconfig: join(tmp, 'npmrc'), npm_config_update_notifier: 'false', ...env },
  });
}

test('without Go and without wxcard.wasm, npm pack fails saying how to get the module', { timeout: TIMEOUT }, () => {
  const res = npm(['pack', '--pack-destination', tmp], join(checkout, 'js'), { GO: join(tmp, 'no-go-here') });
  assert.notEqual(res.status, 0, res.stdout);
  assert.match(res.stderr, /wxcard prepack: js\/wxcard\.wasm is missing.*make wasm/);
  assert.ok(!existsSync(join(checkout, 'js', 'wxcard.wasm')));
});

test('npm pack in a clean checkout builds wxcard.wasm into the package', { timeout: TIMEOUT }, () => {
  const res = ok(npm(['pack', '--json', '--pack-destination', tmp], join(checkout, 'js')), 'npm pack');
  const [info] = JSON.parse(res.stdout.slice(res.stdout.indexOf('[')));
  const files = info.files.map((f) => f.path).sort();
  for (const want of ['LICENSE', 'README.md', 'index.d.ts', 'index.js', 'grant.js', 'grant.d.ts', 'package.json', 'preview/index.html', 'wasi.d.ts', 'wasi.js', 'wasm.d.ts', 'wxcard.wasm']) {
    assert.ok(files.includes(want), `${want} in ${files.join(' ')}`);
  }
  assert.ok(!files.some((f) => f.startsWith('test/') || f === 'prepack.mjs'), files.join(' '));
  assert.ok(info.files.find((f) => f.path === 'wxcard.wasm').size > 100_000);
  tarball = join(tmp, info.filename);
});

test('the tarball installs offline into an empty folder and signs in Node', { timeout: TIMEOUT }, async () => {
  assert.ok(tarball, 'packed');
  app = join(tmp, 'app');
  await mkdir(app);
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  // --offline with an empty cache: only possible because the package has
  // no dependencies to fetch.
  ok(npm(['install', '--offline', '--no-audit', '--no-fund', tarball], app), 'npm install --offline');
  const pkg = JSON.parse(await readFile(join(app, 'node_modules', 'wxcard', 'package.json'), 'utf8'));
  assert.deepEqual(pkg.dependencies ?? {}, {});
  assert.equal(pkg.repository.url, 'git+https://github.com/wxcard/wxcard.git');

  await writeFile(join(app, 'main.js'), `
    import { load, WxcardError } from 'wxcard';
    const wx = await load();
    const { signature } = wx.cardExtSignature({ apiTicket: 'ojZ8YtyVyr30HheH3CM73y7h4jJE', cardId: 'pjZ8Yt1XGILfi-FUsewpnnolGgZk', code: '1434008071', timestamp: 1404896688, nonceStr: '123' });
    let field;
    try { wx.addCard('t', [{ code: 'x' }]); } catch (err) { if (err instanceof WxcardError) field = err.field; }
    console.log(JSON.stringify({ signature, field }));
  `);
  const out = ok(run(process.execPath, ['main.js'], { cwd: app }), 'node main.js');
  assert.deepEqual(JSON.parse(out.stdout), { signature: 'f137ab68b7f8112d20ee528ab6074564e2796250', field: 'cards[0].cardId' });
});

test('the installed types compile in Node-only, DOM and Workers projects', { timeout: TIMEOUT }, async (t) => {
  assert.ok(app, 'installed');
  // The type packages come from the repository's devDependencies.
  for (const dep of ['@types', '@cloudflare']) {
    await symlink(join(repoRoot, 'node_modules', dep), join(app, 'node_modules', dep), 'dir');
  }
  await cp(typesDir, join(app, 'types'), { recursive: true });
  for (const project of ['node', 'dom', 'workers']) {
    await t.test(project, () => {
      ok(run(process.execPath, [tsc, '-p', join(app, 'types', project)], { cwd: join(app, 'types', project) }), `tsc (${project})`);
    });
  }
});
