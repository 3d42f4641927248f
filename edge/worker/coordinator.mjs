// The ticket coordinator: one Durable Object per app (named by appid) that
// every isolate of the Worker, in every location, asks when its own copy of
// a token or ticket is missing or due. It is the strongly consistent store
// and lock service behind workerkv.Coordinated (Go): values are the
// envelopes Go writes ("wxkv1:<expiry ms>:<base64>", opaque here), leases
// are the admin client's refresh locks. The WeChat fetch itself stays in Go,
// in the isolate that wins the lease, so the admin client's refresh logic
// (one fetch per lease, compare-and-refresh on a rejected credential) runs
// unchanged.
//
// Isolates waiting on a lease wait here too (awaitChange), woken by the
// holder's put or by a released lease, rather than polling.
//
// Values and leases live in the object's storage (SQLite-backed: see
// wrangler.toml's migration), so a restarted object still knows the lease of
// a refresh under way and does not hand it to a second isolate.
//
// A method that reads storage and then writes it awaits nothing else in
// between: the object's input gate delivers no other call meanwhile, which
// is what makes tryLock a compare-and-set.
import { DurableObject } from "cloudflare:workers";

// Bounds that mirror Go's kv argument checks: the object refuses what no
// correct caller sends instead of storing it.
const MAX_KEY = 512;
// SQLite-backed Durable Object storage takes values up to 2 MB.
const MAX_ENVELOPE = 2 << 20;
const MAX_LEASE_MS = 5 * 60 * 1000;
const MAX_WAIT_MS = 10 * 1000;

const valueKey = (key) => "v:" + key;
const leaseKey = (key) => "l:" + key;

function checkKey(key) {
  if (typeof key !== "string" || key.length === 0 || key.length > MAX_KEY) {
    throw new TypeError("coordinator: invalid key");
  }
}

function checkOwner(owner) {
  if (typeof owner !== "string" || owner.length === 0 || owner.length > MAX_KEY) {
    throw new TypeError("coordinator: invalid owner or attempt");
  }
}

export class TicketCoordinator extends DurableObject {
  // Callers of awaitChange, by key: each is woken with the new envelope.
  #waiting = new Map();

  // get returns the envelope stored under key, or null. Expiry is judged by
  // the caller, which decodes the envelope.
  async get(key) {
    checkKey(key);
    return (await this.ctx.storage.get(valueKey(key))) ?? null;
  }

  // awaitChange returns the envelope under key (or null) as soon as it is
  // not known, or after waitMs. Isolates waiting on a lease call it instead
  // of polling get, so a refresh costs them a call or two, not one per poll.
  async awaitChange(key, known, waitMs) {
    checkKey(key);
    if (known !== null && typeof known !== "string") {
      throw new TypeError("coordinator: invalid known envelope");
    }
    if (!Number.isFinite(waitMs) || waitMs <= 0 || waitMs > MAX_WAIT_MS) {
      throw new TypeError("coordinator: invalid wait");
    }
    const current = (await this.ctx.storage.get(valueKey(key))) ?? null;
    if (current !== known) return current;
    // Nothing else runs between the read above and this registration, so
    // no put can slip in unseen.
    return await new Promise((resolve) => {
      let waiters = this.#waiting.get(key);
      if (waiters === undefined) this.#waiting.set(key, (waiters = new Set()));
      // wake() without an envelope answers the one known: a lease was
      // released, and the caller may want to take it.
      const wake = (envelope = current) => {
        clearTimeout(timer);
        waiters.delete(wake);
        if (waiters.size === 0 && this.#waiting.get(key) === waiters) this.#waiting.delete(key);
        resolve(envelope);
      };
      const timer = setTimeout(() => wake(), waitMs);
      waiters.add(wake);
    });
  }

  #wake(key, envelope) {
    for (const wake of this.#waiting.get(key) ?? []) wake(envelope);
  }

  // A released lease may have been released without a write (the holder's
  // fetch failed, or it found the value fresh after all): every waiter
  // learns at once, to take the lease if it still needs to.
  #wakeAll() {
    for (const waiters of [...this.#waiting.values()]) for (const wake of [...waiters]) wake();
  }

  async put(key, envelope) {
    checkKey(key);
    if (typeof envelope !== "string" || envelope.length > MAX_ENVELOPE) {
      throw new TypeError("coordinator: invalid envelope");
    }
    await this.ctx.storage.put(valueKey(key), envelope);
    this.#wake(key, envelope);
  }

  async delete(key) {
    checkKey(key);
    await this.ctx.storage.delete(valueKey(key));
    this.#wake(key, null);
  }

  // tryLock takes key for owner for ttlMs unless an unexpired lease is held
  // (by anyone: as with Go's kv stores, a lock is not re-entrant). The
  // object's clock decides expiry: it is the one clock every isolate agrees
  // on. attempt identifies the caller's call: a caller whose call failed in
  // transit retries it with the same attempt and learns that it won,
  // instead of being refused by its own lease.
  async tryLock(key, owner, ttlMs, attempt) {
    checkKey(key);
    checkOwner(owner);
    checkOwner(attempt);
    if (!Number.isFinite(ttlMs) || ttlMs <= 0 || ttlMs > MAX_LEASE_MS) {
      throw new TypeError("coordinator: invalid lease ttl");
    }
    const now = Date.now();
    const held = await this.ctx.storage.get(leaseKey(key));
    if (held !== undefined && held.until > now) {
      return held.owner === owner && held.attempt === attempt;
    }
    await this.ctx.storage.put(leaseKey(key), { owner, attempt, until: now + ttlMs });
    return true;
  }

  // unlock releases key if owner holds it, reporting whether the lease was
  // still in force.
  async unlock(key, owner) {
    checkKey(key);
    checkOwner(owner);
    const held = await this.ctx.storage.get(leaseKey(key));
    if (held === undefined || held.owner !== owner) return false;
    await this.ctx.storage.delete(leaseKey(key));
    this.#wakeAll();
    return held.until > Date.now();
  }
}
