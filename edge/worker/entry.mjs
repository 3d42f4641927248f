// Worker entry module for the Go config API: keeps Go instances alive across
// requests instead of starting one per request as syumai/workers' stock
// worker.mjs does (which costs ~10-15 ms of Go runtime start-up each time).
//
// Each instance serves one request at a time: Go's callbacks for a request's
// KV reads and fetches then all run in that request's I/O context, which is
// what workerd requires. An idle instance is reused by the next request;
// concurrent requests get additional instances, up to MAX_INSTANCES, then
// wait (polling: see acquire). A Go instance that exited (a crash) is
// dropped and replaced.
import "./wasm_exec.js";
import { connect } from "cloudflare:sockets";
import mod from "./app.wasm";

const MAX_INSTANCES = 4;

const idle = [];
let live = 0;

// State every Go instance of this isolate shares (workerkv.Isolate): the
// memory cache of KV entries and the refresh locks. Without it each instance
// would fetch its own ticket when the cached one runs out, and would go on
// signing with its own for as long as its memory copy lasts, though WeChat
// may have invalidated it by issuing the next. Times come from Go.
const cache = new Map(); // KV key -> [envelope, fetched ms]
const locks = new Map(); // lock key -> { owner, until ms }
globalThis.wxcardIsolate = {
  cacheGet: (key) => cache.get(key),
  cachePut: (key, envelope, fetched) => void cache.set(key, [envelope, fetched]),
  cacheDelete: (key) => void cache.delete(key),
  tryLock(key, owner, until, now) {
    const held = locks.get(key);
    if (held !== undefined && held.until > now) return false;
    locks.set(key, { owner, until });
    return true;
  },
  unlock(key, owner, now) {
    const held = locks.get(key);
    if (held === undefined || held.owner !== owner) return false;
    locks.delete(key);
    return held.until > now;
  },
};

async function start(env, ctx) {
  const go = new Go();
  // wasm_exec.js exposes this object to Go as globalThis.context: Go reads
  // the Worker's variables and bindings from env (syumai/workers' KV
  // package among them) and sets binding.handleRequest. "persistent" tells
  // the Go main not to exit after its first response.
  const context = { env, ctx, connect, binding: {}, persistent: true };
  const inst = { go, context, dead: false, abort: undefined };
  // Go ends only by crashing under this entry module. wasm_exec.js calls
  // _resolveExitPromise synchronously from whatever call into Go crashed,
  // i.e. inside the current request, so hooking it lets that request fail
  // at once instead of waiting forever for a response Go will not send.
  const resolveExit = go._resolveExitPromise;
  go._resolveExitPromise = () => {
    inst.dead = true;
    inst.abort?.(new Error("the Go worker exited"));
    resolveExit();
  };
  let ready;
  const readyPromise = new Promise((resolve) => (ready = resolve));
  const instance = new WebAssembly.Instance(mod, {
    ...go.importObject,
    workers: { ready: () => ready() },
  });
  await guard(inst, () => {
    go.run(instance, context).catch(() => {});
    return readyPromise;
  });
  return inst;
}

// guard calls into Go (call returns a promise) and waits for the result,
// unless the instance's Go program exits first. The hook is armed before
// the call because Go may run, and crash, before the call returns.
async function guard(inst, call) {
  const aborted = new Promise((_, reject) => (inst.abort = reject));
  try {
    return await Promise.race([call(), aborted]);
  } finally {
    inst.abort = undefined;
  }
}

async function acquire(env, ctx) {
  for (;;) {
    while (idle.length > 0) {
      const inst = idle.pop();
      if (!inst.dead && !inst.go.exited) return inst;
      live--;
    }
    if (live < MAX_INSTANCES) {
      live++;
      try {
        return await start(env, ctx);
      } catch (err) {
        live--;
        throw err;
      }
    }
    // Every instance is busy. The waiter polls with a timer of its own:
    // waking it from the request that releases an instance would resolve
    // its promise from another request's context, which workerd cancels,
    // leaving the waiting request hung until the runtime kills it.
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

function release(inst) {
  if (inst.dead || inst.go.exited) live--;
  else idle.push(inst);
}

// Per-client rate limiting on /v1/ with Cloudflare's Rate Limiting binding,
// when the deployment declares one (wrangler.toml, [[ratelimits]]). It runs
// before Go, so a client over its budget costs no Go instance. The binding
// counts per Cloudflare location and does not say when the window ends;
// WXCARD_RATE_LIMIT_PERIOD (its period, 10 or 60 s) is the Retry-After.
async function rateLimited(req, env) {
  const limiter = env.WXCARD_RATE_LIMITER;
  if (limiter === undefined || !new URL(req.url).pathname.startsWith("/v1/")) return null;
  // Cloudflare sets CF-Connecting-IP to the client's address.
  const key = req.headers.get("CF-Connecting-IP") ?? "unknown";
  const { success } = await limiter.limit({ key });
  if (success) return null;
  const headers = new Headers({
    "Content-Type": "application/json; charset=utf-8",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Retry-After": /^[0-9]{1,4}$/.test(env.WXCARD_RATE_LIMIT_PERIOD ?? "") ? env.WXCARD_RATE_LIMIT_PERIOD : "60",
  });
  // The page must be able to read the refusal, as it reads the API's own
  // errors: the same exact-match origin list.
  const origin = req.headers.get("Origin");
  const allowed = (env.WXCARD_ALLOWED_ORIGINS ?? "").split(",").map((o) => o.trim());
  if (origin !== null && origin !== "" && allowed.includes(origin)) {
    headers.set("Access-Control-Allow-Origin", origin);
    headers.set("Vary", "Origin");
  }
  const body = '{"error":{"code":"rate_limited","message":"too many requests from this client; retry after the number of seconds in Retry-After"}}\n';
  return new Response(body, { status: 429, headers });
}

// The most of a request body Go is given: edge.MaxMaxBodyBytes and one byte
// more, so that a larger body is still seen to be too large (Go refuses
// anything over its own, smaller limit).
const MAX_BODY = (1 << 20) + 1;

// readBody reads up to MAX_BODY bytes of the request's body, before a Go
// instance is taken, so a slow upload holds none. What is left of a larger
// body is cancelled. null for a request without a body.
async function readBody(req) {
  if (req.body === null) return null;
  const reader = req.body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size >= MAX_BODY) {
      reader.cancel().catch(() => {});
      break;
    }
  }
  if (chunks.length === 1) return chunks[0];
  const body = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    body.set(c, at);
    at += c.byteLength;
  }
  return body;
}

async function fetch(req, env, ctx) {
  const refused = await rateLimited(req, env);
  if (refused !== null) return refused;
  const body = await readBody(req);
  const inst = await acquire(env, ctx);
  try {
    inst.context.env = env;
    inst.context.ctx = ctx;
    // Go reads the method, URL and the few headers it needs from req and
    // answers with a whole Response (main.go, handleRequest): one call into
    // Go per request, and no Go work is left when it returns.
    return await guard(inst, () => inst.context.binding.handleRequest(req, body));
  } catch (err) {
    if (inst.go.exited) inst.dead = true;
    throw err;
  } finally {
    release(inst);
  }
}

export default { fetch };

// --- Ticket coordinator (Durable Object) -----------------------------------
// The class wrangler.toml binds as WXCARD_COORDINATOR. Go finds the binding
// in env and calls the object over RPC (workerkv.OpenCoordinator); a Worker
// deployed without the binding runs KV-only and never instantiates it.
export { TicketCoordinator } from "./coordinator.mjs";
