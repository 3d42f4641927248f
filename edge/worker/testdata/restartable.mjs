// The ticket coordinator for the tests, with these additions: restart(),
// which resets the object as a deployment or an eviction does (the calls in
// flight fail; the storage stays), instance(), which names this instance of
// the object, calls(method), how often this instance was called,
// refusals(key, times), how many distinct owners this instance has refused
// key's lease to at least times times: the Go instances waiting for the
// holder's fetch, and refusedArguments(cases), which calls the object's own methods
// with each [method, ...args] and returns what each threw (null if
// nothing). It runs as a worker of its own next to the
// Worker's copies, which bind its class across scripts.
import { TicketCoordinator } from "./coordinator.mjs";

export class RestartableTicketCoordinator extends TicketCoordinator {
  #refused = new Map(); // key -> Map owner -> refusals
  #calls = new Map(); // method -> calls
  #instance = crypto.randomUUID();

  instance() {
    return this.#instance;
  }

  #count(method) {
    this.#calls.set(method, (this.#calls.get(method) ?? 0) + 1);
  }

  calls(method) {
    return this.#calls.get(method) ?? 0;
  }

  async get(key) {
    this.#count("get");
    return await super.get(key);
  }

  async awaitChange(key, known, waitMs) {
    this.#count("awaitChange");
    return await super.awaitChange(key, known, waitMs);
  }

  async tryLock(key, owner, ttlMs, attempt) {
    this.#count("tryLock");
    const won = await super.tryLock(key, owner, ttlMs, attempt);
    if (!won) {
      if (!this.#refused.has(key)) this.#refused.set(key, new Map());
      const owners = this.#refused.get(key);
      owners.set(owner, (owners.get(owner) ?? 0) + 1);
    }
    return won;
  }

  // refusals counts the owners refused key's lease at least times times.
  refusals(key, times = 1) {
    let n = 0;
    for (const count of this.#refused.get(key)?.values() ?? []) if (count >= times) n++;
    return n;
  }

  async refusedArguments(cases) {
    const out = [];
    for (const [method, ...args] of cases) {
      try {
        await this[method](...args);
        out.push(null);
      } catch (err) {
        out.push(String(err?.message ?? err));
      }
    }
    return out;
  }

  restart() {
    this.ctx.abort(new Error("restarted by the test"));
  }
}

export default {
  fetch() {
    return new Response("the coordinator's host has no routes", { status: 404 });
  },
};
