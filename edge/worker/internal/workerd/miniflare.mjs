// Runs the Worker in workerd through the miniflare API, for edge/worker's
// tests and benchmarks (driven by workerd.go). Usage:
//
//   node miniflare.mjs '<json options>'
//
// Options: scriptPath, modulesRoot, kvNamespaces (names), kvPersist (dir),
// bindings (plain text vars), ratelimits ({NAME: {simple: {limit, period}}}),
// seedKV ({namespace: {key: value}}), port; for the ticket coordinator:
// workers (how many copies of the Worker to run, each in an isolate of its
// own, sharing KV and the coordinator; default 1), coordinator ({binding,
// className, script}: script "" serves the class from the first copy's own
// module, as a deployment does; else from a worker of its own running that
// module), doPersist (dir).
// Prints one JSON line {"url", "urls"} on stdout once the workers are ready,
// then answers commands read from stdin, one per line:
//   {"name": "<object name>", "call": "<method>", "args": [...]}
// calls a method of that coordinator object over RPC (the tests' subclass
// adds restart(), refusals() and more), with one JSON line each: {"ok":
// true, "result": ...} or {"ok": false, "error": "..."}. Shuts workerd
// down when stdin closes or on SIGTERM/SIGINT.
import { Miniflare } from "miniflare";
import readline from "node:readline";

const opts = JSON.parse(process.argv[2]);
const copies = Math.max(1, opts.workers ?? 1);
const coord = opts.coordinator;
const COORDINATOR_WORKER = "coordinator";
const common = {
  modules: true,
  modulesRoot: opts.modulesRoot,
  modulesRules: [
    { type: "ESModule", include: ["**/*.mjs", "**/*.js"] },
    { type: "CompiledWasm", include: ["**/*.wasm"] },
  ],
  compatibilityDate: "2025-01-01",
};
// Copies share KV by namespace id, and reach the one coordinator class.
const kvNamespaces = Object.fromEntries((opts.kvNamespaces ?? []).map((ns) => [ns, ns]));
const workers = [];
for (let i = 0; i < copies; i++) {
  const w = {
    ...common,
    name: `edge${i}`,
    scriptPath: opts.scriptPath,
    kvNamespaces,
    bindings: opts.bindings ?? {},
    ratelimits: opts.ratelimits ?? {},
    // Every copy but the first gets a socket of its own (see urls below).
    unsafeDirectSockets: i === 0 ? undefined : [{ host: "127.0.0.1", port: 0 }],
  };
  if (coord) {
    const separate = Boolean(coord.script);
    w.durableObjects = {
      [coord.binding]: {
        className: coord.className,
        scriptName: separate ? COORDINATOR_WORKER : "edge0",
        useSQLite: true,
      },
    };
  }
  workers.push(w);
}
if (coord?.script) {
  workers.push({
    ...common,
    name: COORDINATOR_WORKER,
    scriptPath: `${opts.modulesRoot}/${coord.script}`,
    durableObjects: { [coord.binding]: { className: coord.className, useSQLite: true } },
  });
}
const mf = new Miniflare({
  workers,
  kvPersist: opts.kvPersist ?? false,
  durableObjectsPersist: opts.doPersist ?? false,
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

// call invokes a method of the coordinator object named name over RPC.
async function call(name, method, args) {
  const ns = await mf.getDurableObjectNamespace(coord.binding, coord.script ? COORDINATOR_WORKER : "edge0");
  return await ns.get(ns.idFromName(name))[method](...args);
}

async function command(line) {
  try {
    const cmd = JSON.parse(line);
    if (!coord || typeof cmd.name !== "string" || typeof cmd.call !== "string") throw new Error("unknown command");
    return { ok: true, result: (await call(cmd.name, cmd.call, cmd.args ?? [])) ?? null };
  } catch (err) {
    return { ok: false, error: String(err?.message ?? err) };
  }
}

try {
  const url = await mf.ready;
  for (const [ns, entries] of Object.entries(opts.seedKV ?? {})) {
    const kv = await mf.getKVNamespace(ns);
    for (const [key, value] of Object.entries(entries ?? {})) await kv.put(key, value);
  }
  const urls = [url.href];
  for (let i = 1; i < copies; i++) urls.push((await mf.unsafeGetDirectURL(`edge${i}`)).href);
  process.stdout.write(JSON.stringify({ url: url.href, urls }) + "\n");
  // Commands are answered in order, one line each.
  let queue = Promise.resolve();
  readline.createInterface({ input: process.stdin }).on("line", (line) => {
    queue = queue.then(async () => process.stdout.write(JSON.stringify(await command(line)) + "\n"));
  });
} catch (err) {
  process.stderr.write(`miniflare: ${err?.stack ?? err}\n`);
  await stop(1);
}
