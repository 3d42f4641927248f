// The ticket coordinator for the tests, with four additions: restart(),
// which resets the object as a deployment or an eviction does (the calls in
// flight fail; the storage stays), instance(), which names this instance of
// the object, and refusals(key), how many distinct owners this instance
// has refused key's lease to: the Go instances waiting for the holder's
// fetch, and refusedArguments(cases), which calls the object's own methods
// with each [method, ...args] and returns what each threw (null if
// nothing). It runs as a worker of its own next to the
// Worker's copies, which bind its class across scripts.
import { TicketCoordinator } from "./coordinator.mjs";

export class RestartableTicketCoordinator extends TicketCoordinator {
  #refused = new Map(); // key -> Set of owners
  #instance = crypto.randomUUID();

  instance() {
    return this.#instance;
  }

  async tryLock(key, owner, ttlMs, attempt) {
    const won = await super.tryLock(key, owner, ttlMs, attempt);
    if (!won) {
      if (!this.#refused.has(key)) this.#refused.set(key, new Set());
      this.#refused.get(key).add(owner);
    }
    return won;
  }

  refusals(key) {
    return this.#refused.get(key)?.size ?? 0;
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
