// Runs one Worker in workerd through the miniflare API, for edge/worker's
// tests and benchmarks (driven by workerd.go). Usage:
//
//   node miniflare.mjs '<json options>'
//
// Options: scriptPath, modulesRoot, kvNamespaces (names), kvPersist (dir),
// bindings (plain text vars), ratelimits ({NAME: {simple: {limit, period}}}),
// seedKV ({namespace: {key: value}}), port.
// Prints one JSON line {"url": "..."} on stdout once the worker is ready,
// and shuts workerd down when stdin closes or on SIGTERM/SIGINT.
import { Miniflare } from "miniflare";

const opts = JSON.parse(process.argv[2]);
const mf = new Miniflare({
  modules: true,
  scriptPath: opts.scriptPath,
  modulesRoot: opts.modulesRoot,
  modulesRules: [
    { type: "ESModule", include: ["**/*.mjs", "**/*.js"] },
    { type: "CompiledWasm", include: ["**/*.wasm"] },
  ],
  compatibilityDate: "2025-01-01",
  kvNamespaces: opts.kvNamespaces ?? [],
  kvPersist: opts.kvPersist ?? false,
  bindings: opts.bindings ?? {},
  ratelimits: opts.ratelimits ?? {},
  // Without cf:false miniflare looks up workers.cloudflare.com for Request.cf.
  cf: false,
  host: "127.0.0.1",
  port: opts.port ?? 0,
});

let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  try {
    await mf.dispose();
  } finally {
    process.exit(code);
  }
}
process.on("SIGTERM", () => stop(0));
process.on("SIGINT", () => stop(0));
process.stdin.on("end", () => stop(0));
process.stdin.on("close", () => stop(0));
process.stdin.resume();

try {
  const url = await mf.ready;
  for (const [ns, entries] of Object.entries(opts.seedKV ?? {})) {
    const kv = await mf.getKVNamespace(ns);
    for (const [key, value] of Object.entries(entries)) await kv.put(key, value);
  }
  process.stdout.write(JSON.stringify({ url: url.href }) + "\n");
} catch (err) {
  process.stderr.write(`miniflare: ${err?.stack ?? err}\n`);
  await stop(1);
}
