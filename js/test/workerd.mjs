// Runs a fixture Worker in real workerd (miniflare) with the package's
// sources as its modules, for the tests that check the package where
// Cloudflare runs it.
import { fileURLToPath } from 'node:url';

import { Miniflare } from 'miniflare';

// startWorker starts test/fixtures/<fixture> with every .js/.mjs under js/
// as an ES module and every .wasm as the precompiled WebAssembly.Module a
// Worker gets from `import wasm from …`. post sends a JSON body and returns
// the status and the parsed JSON answer; dispose stops workerd.
export async function startWorker(fixture) {
  const mf = new Miniflare({
    modules: true,
    scriptPath: fileURLToPath(new URL(`./fixtures/${fixture}`, import.meta.url)),
    modulesRoot: fileURLToPath(new URL('..', import.meta.url)),
    modulesRules: [{ type: 'ESModule', include: ['**/*.mjs', '**/*.js'] }, { type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate: '2025-01-01',
    cf: false,
    host: '127.0.0.1',
    port: 0,
  });
  await mf.ready;
  return {
    async post(path, body) {
      const res = await mf.dispatchFetch(`http://localhost${path}`, { method: 'POST', body: JSON.stringify(body) });
      return { status: res.status, body: await res.json() };
    },
    dispose: () => mf.dispose(),
  };
}
