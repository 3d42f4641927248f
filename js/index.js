// wxcard: WeChat card (卡券) signatures in any JavaScript host. The Go signer,
// compiled to a WASI reactor (wxcard.wasm), does the work, so browsers, Node
// and Workers produce byte-for-byte what the Go server produces.
//
//   import { load } from 'wxcard';
//   const wx = await load();
//   const { cardExt } = wx.cardExtSignature({ apiTicket, cardId, code });

import { createWasi, WasiExit } from './wasi.js';

/** An error from wxcard: `code` is stable, `message` is for people, `field` names the input. */
export class WxcardError extends Error {
  constructor(code, message, field) {
    super(message);
    this.name = 'WxcardError';
    this.code = code;
    if (field !== undefined) this.field = field;
  }
}

const OPS = ['card_ext', 'add_card', 'choose_card', 'js_config', 'sorted_sha1', 'verify_card_ext', 'verify_js_config', 'verify_choose_card'];
const SCRATCH = 4096;
// The lean ABI (ARCHITECTURE.md, "The WebAssembly ABI"): the module's static
// buffer, its in region first and its out region after; out starts with one
// uint32 per card. Anything that does not fit or that the lean calls refuse
// takes the JSON ABI, which names the problem.
const MAX_CARDS = 50;
const MAX_SORTED_VALUES = 64;
const LEAN_OUT_DATA = 4 * MAX_CARDS;
const ABSENT = 0xffffffff;
// Nonces: 24 characters of this alphabet from crypto.getRandomValues bytes,
// bytes of 248 and above skipped so that no character is likelier than
// another (62 * 4 = 248): the signer's RandomNonce rule. The bytes come in
// batches of NONCE_POOL.
const NONCE_LEN = 24;
// Strings up to this length are written into the module by a loop; longer
// ones by TextEncoder.encodeInto (measured crossover: about 30 characters).
const PUT_BY_HAND = 32;
const NONCE_POOL = 4096;
const ALNUM = new TextEncoder().encode('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789');

/**
 * The default module location: wxcard.wasm next to this file. Undefined
 * where modules have no URL (Workers): pass the module to load() there.
 */
export const defaultWasmURL = (() => {
  try {
    return new URL('./wxcard.wasm', import.meta.url);
  } catch {
    return undefined;
  }
})();

/**
 * load instantiates the module and returns a ready Wxcard.
 * source: nothing (wxcard.wasm next to this module), a URL or path string,
 * a Response or a promise of one, bytes, or a precompiled WebAssembly.Module
 * (what Workers give for `import wasm from './wxcard.wasm'`).
 */
export async function load(source = defaultWasmURL, options = {}) {
  const wasi = createWasi(options);
  if (source === undefined) {
    throw new WxcardError('load_failed', 'no default location for wxcard.wasm here: pass it to load(), e.g. import wasm from "wxcard/wxcard.wasm" in a Worker');
  }
  let instance;
  try {
    instance = await instantiate(source, wasi.imports);
  } catch (err) {
    if (err instanceof WxcardError) throw err;
    throw new WxcardError('load_failed', `cannot load wxcard.wasm: ${err.message}${loadHint(err, source)}`);
  }
  wasi.bind(instance.exports.memory);
  instance.exports._initialize();
  return new Wxcard(instance);
}

// loadHint says how to get the module when the file is not where load()
// looked: a checkout has no wxcard.wasm until it is built.
function loadHint(err, source) {
  if (err?.code !== 'ENOENT') return '';
  if (source === defaultWasmURL) {
    return ' (the package ships it next to index.js; in a wxcard checkout run `make wasm` first, or pass the module to load())';
  }
  return ' (no file there: pass the path of wxcard.wasm, its bytes or a WebAssembly.Module to load())';
}

async function instantiate(source, imports) {
  return WebAssembly.instantiate(source instanceof WebAssembly.Module ? source : await compile(source), imports);
}

// compiled caches, per page (per JS realm), the module compiled from each
// URL: a page that calls load() again, or loads several instances, compiles
// once. A failed compile is forgotten, so that a retry fetches again.
const compiled = new Map();

async function compile(source) {
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    return WebAssembly.compile(source);
  }
  if (typeof source === 'string' || source instanceof URL) {
    const url = toURL(source);
    let module = compiled.get(url.href);
    if (!module) {
      module = url.protocol === 'file:' ? readNodeFile(url).then((bytes) => WebAssembly.compile(bytes)) : compileResponse(fetch(url));
      compiled.set(url.href, module);
      module.catch(() => compiled.delete(url.href));
    }
    return module;
  }
  return compileResponse(source);
}

// compileResponse compiles while the body downloads (compileStreaming)
// where the host can.
async function compileResponse(source) {
  const response = await source;
  if (typeof Response === 'undefined' || !(response instanceof Response)) {
    throw new WxcardError('load_failed', 'load() takes a URL, a path, a Response, bytes or a WebAssembly.Module');
  }
  if (!response.ok) {
    throw new WxcardError('load_failed', `cannot fetch wxcard.wasm: HTTP ${response.status}`);
  }
  if (WebAssembly.compileStreaming) {
    try {
      return await WebAssembly.compileStreaming(response.clone());
    } catch (err) {
      // A server that does not send application/wasm makes streaming fail;
      // compiling from the bytes still works.
      if (!(err instanceof TypeError)) throw err;
    }
  }
  return WebAssembly.compile(await response.arrayBuffer());
}

// readNodeFile reads a file: URL in Node (>= 20.16). It uses
// process.getBuiltinModule rather than an import so that Worker and browser
// tooling, which resolves every import it sees, has nothing to resolve.
async function readNodeFile(url) {
  const fs = globalThis.process?.getBuiltinModule?.('node:fs/promises');
  if (!fs) throw new WxcardError('load_failed', 'cannot read files here: pass the bytes, load(await readFile(path))');
  return fs.readFile(url);
}

function toURL(source) {
  if (source instanceof URL) return source;
  try {
    return new URL(source);
  } catch {
    // A bare path: relative to the page in a browser, to the cwd in Node.
    if (typeof location !== 'undefined') return new URL(source, location.href);
    return new URL(`file://${source.startsWith('/') ? '' : `${globalThis.process?.cwd?.() ?? ''}/`}${source}`);
  }
}

const renames = {
  apiTicket: 'api_ticket', jsapiTicket: 'jsapi_ticket', cardId: 'card_id', appId: 'app_id',
  shopId: 'shop_id', locationId: 'shop_id', cardType: 'card_type', outerStr: 'outer_str',
  fixedBeginTimestamp: 'fixed_begintimestamp', nonceStr: 'nonce_str', pageUrl: 'page_url',
  cardExt: 'card_ext', openId: 'openid', cardSign: 'card_sign', signType: 'sign_type',
};
// callerNames maps the ABI's names back to the camelCase ones the methods
// take, for error fields; toRequest records the exact key a caller used.
const callerNames = Object.fromEntries(Object.entries(renames).filter(([key]) => key !== 'locationId').map(([key, abi]) => [abi, key]));
const camel = {
  card_id: 'cardId', card_ext: 'cardExt', nonce_str: 'nonceStr', sorted_values: 'sortedValues',
  signed_url: 'signedUrl', outer_str: 'outerStr', fixed_begintimestamp: 'fixedBeginTimestamp',
};

// toRequest renames camelCase keys to the ABI's names and drops undefined
// ones; anything unknown is passed on so the module can reject it by name.
// names, when given, records ABI name -> the key the caller wrote.
function toRequest(params, what, names) {
  if (params === null || typeof params !== 'object' || Array.isArray(params)) {
    throw new WxcardError('invalid_input', `${what} takes an object of parameters`);
  }
  const out = {};
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    const abi = renames[key] ?? key;
    out[abi] = value;
    names?.set(abi, key);
  }
  return out;
}

// Names records, for one call, the keys the caller wrote, so that an error's
// field reads `cards[1].cardId` for addCard rather than the ABI's
// `cards[1].card_id`.
class Names extends Map {
  items = new Map(); // ABI list name -> Names of each element

  // callerField rewrites an ABI field path ("card_id", "cards[1].card_id",
  // "nonces[0]") in the caller's names; unknown parts are kept as they are.
  callerField(path) {
    const m = /^([^.[]+)(?:\[(\d+)\](?:\.(.+))?)?$/.exec(path);
    if (!m) return path;
    const [, name, index, rest] = m;
    let out = this.get(name) ?? callerNames[name] ?? name;
    if (index === undefined) return out;
    out += `[${index}]`;
    if (rest === undefined) return out;
    const item = this.items.get(name)?.[Number(index)] ?? new Names();
    return `${out}.${item.callerField(rest)}`;
  }
}

// wellFormed reports whether text has no lone UTF-16 surrogate: one cannot be
// encoded as UTF-8, and TextEncoder would quietly turn it into U+FFFD, signing
// something other than what was passed.
const wellFormed = typeof String.prototype.isWellFormed === 'function'
  ? (text) => text.isWellFormed()
  : (text) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);

// The card keys the lean addCard takes; any other (openId, card_id) sends
// the call through the JSON ABI, which knows every spelling.
const CARD_KEYS = new Set(['cardId', 'code', 'openid', 'outerStr', 'fixedBeginTimestamp', 'balance']);
const CARD_EXT_KEYS = new Set([...CARD_KEYS, 'apiTicket', 'timestamp', 'nonceStr']);
const OPTION_KEYS = new Set(['timestamp', 'nonces']);

// ownFields copies what the JSON ABI would be sent of obj (its own
// enumerable keys, undefined values left out), or returns undefined when
// obj is not an object or has a key outside allowed: then the call takes
// the JSON ABI, which names the key.
function ownFields(obj, allowed) {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return undefined;
  const out = {};
  for (const key in obj) {
    if (!Object.hasOwn(obj, key)) return undefined;
    const value = obj[key];
    if (value === undefined) continue;
    if (!allowed.has(key)) return undefined;
    out[key] = value;
  }
  return out;
}

// digits returns a non-negative integer (number or string) as the string the
// lean ABI takes, or undefined for anything else: the module checks that a
// string is canonical digits and the JSON ABI explains what is not.
function digits(value) {
  if (typeof value === 'string') return value === '' ? undefined : value; // '' is not absent to the JSON ABI
  if (Number.isSafeInteger(value) && value >= 0) return String(value);
  return undefined;
}

// compareUTF8 orders well-formed strings as their UTF-8 bytes, the order
// the module signs in. UTF-16 code units order the same except a surrogate
// (a character above U+FFFF) against U+E000-U+FFFF, which it puts first.
function compareUTF8(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      const xs = x < 0xe000;
      const ys = y < 0xe000;
      if (xs !== ys) return xs ? 1 : -1;
    }
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

// hex40 reads 40 ASCII hex digits: one fromCharCode call with every byte
// as an argument is the fastest decode of a short ASCII string in V8 (a
// TextDecoder call costs about 30% more, fromCharCode.apply three times).
function hex40(v) {
  return String.fromCharCode(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13],
    v[14], v[15], v[16], v[17], v[18], v[19], v[20], v[21], v[22], v[23], v[24], v[25], v[26], v[27], v[28], v[29],
    v[30], v[31], v[32], v[33], v[34], v[35], v[36], v[37], v[38], v[39]);
}

function toResult(obj) {
  const out = {};
  for (const [key, value] of Object.entries(obj)) out[camel[key] ?? key] = value;
  return out;
}

/** A loaded module instance. Methods are synchronous; an instance is not shared between threads. */
export class Wxcard {
  #exports;
  #encoder = new TextEncoder();
  #decoder = new TextDecoder();
  #scratch = 0;
  #scratchSize = 0;
  #broken = null;
  // Views into linear memory. Growth replaces memory.buffer (and detaches
  // the old one), so #sync re-derives them whenever the buffer changed:
  // after every call into the module, before the next read or write.
  #buffer = null;
  #scratchView = null;
  // The lean buffer: its address, capacities and views (0 when the module
  // has no lean ABI, and every call takes the JSON one).
  #lean = 0;
  #leanIn = 0;
  #leanOut = 0;
  #leanBytes = null;
  #leanWords = null;
  #leanSig = null; // the 40 hex digits lean sortedSHA1 writes at the start of out
  #ascii = true; // whether every string #put wrote since it was reset was ASCII
  // The last long value #put encoded, where it lies in in, and whether it
  // was ASCII; #overwrote forgets it when anything is written over it.
  #kept = undefined;
  #keptAt = 0;
  #keptEnd = 0;
  #keptAscii = true;
  #pool = new Uint8Array(NONCE_POOL);
  #poolPos = NONCE_POOL;

  constructor(instance) {
    this.#exports = instance.exports;
    this.#scratch = this.#alloc(SCRATCH);
    this.#scratchSize = SCRATCH;
    if (typeof this.#exports.wxcard_lean_buffer === 'function') {
      const ptr = this.#exports.wxcard_lean_buffer();
      const caps = this.#exports.wxcard_lean_caps();
      if (ptr % 4 === 0) {
        this.#lean = ptr;
        this.#leanIn = Number(caps >> 32n);
        this.#leanOut = Number(caps & 0xffffffffn);
      }
    }
  }

  /** The module's linear memory (for diagnostics; views on it detach when it grows). */
  get memory() {
    return this.#exports.memory;
  }

  /** Buffers the module holds for this object: 1 (the JSON scratch buffer) when every call has been balanced. */
  liveAllocations() {
    return this.#guard(() => this.#exports.wxcard_live_allocs());
  }

  #alloc(n) {
    const ptr = this.#exports.wxcard_alloc(n);
    if (ptr === 0) throw new WxcardError('request_too_large', `the request is larger than the module accepts (${n} bytes)`);
    this.#buffer = null;
    return ptr;
  }

  #sync() {
    const buf = this.#exports.memory.buffer;
    if (buf !== this.#buffer) {
      this.#buffer = buf;
      this.#scratchView = new Uint8Array(buf, this.#scratch, this.#scratchSize);
      if (this.#lean !== 0) {
        this.#leanBytes = new Uint8Array(buf, this.#lean, this.#leanIn + this.#leanOut);
        this.#leanWords = new Uint32Array(buf, this.#lean, this.#leanIn >> 2);
        this.#leanSig = new Uint8Array(buf, this.#lean + this.#leanIn, 40);
      }
    }
  }

  // #put writes text into the lean in region at byte pos and returns where
  // it ends, or -1 when it does not fit or has a lone surrogate (the JSON
  // ABI then refuses it by name). Short ASCII is copied by hand, which beats
  // encodeInto's call into the runtime up to a few dozen characters.
  #put(text, pos) {
    const n = text.length;
    const bytes = this.#leanBytes;
    if (pos + n > this.#leanIn) return -1;
    if (n <= PUT_BY_HAND) {
      let i = 0;
      for (; i < n; i++) {
        const c = text.charCodeAt(i);
        if (c >= 0x80) break;
        bytes[pos + i] = c;
      }
      if (i === n) {
        this.#overwrote(pos, pos + n);
        return pos + n;
      }
    }
    if (text === this.#kept && pos === this.#keptAt) {
      if (!this.#keptAscii) this.#ascii = false;
      return this.#keptEnd;
    }
    if (pos + 3 * n > this.#leanIn && !(pos + this.#encoder.encode(text).length <= this.#leanIn)) return -1;
    const { read, written } = this.#encoder.encodeInto(text, bytes.subarray(pos, this.#leanIn));
    this.#overwrote(pos, pos + written);
    if (written !== n) {
      // Not ASCII: refuse a lone surrogate, which encodeInto would have
      // written as U+FFFD.
      if (read !== n || !wellFormed(text)) return -1;
      this.#ascii = false;
    }
    // The long value of a call (the ticket) is usually the same next time
    // and lands at the same place: it is left there, not written again.
    this.#kept = text;
    this.#keptAt = pos;
    this.#keptEnd = pos + written;
    this.#keptAscii = written === n;
    return pos + written;
  }

  // #overwrote forgets the kept value when bytes [from, to) of in, just
  // written, overlap it.
  #overwrote(from, to) {
    if (from < this.#keptEnd && to > this.#keptAt) this.#kept = undefined;
  }

  // #putNonce writes a fresh nonce at pos and returns where it ends.
  #putNonce(pos) {
    const bytes = this.#leanBytes;
    const pool = this.#pool;
    let p = this.#poolPos;
    for (let k = 0; k < NONCE_LEN;) {
      if (p === NONCE_POOL) {
        crypto.getRandomValues(pool);
        p = 0;
      }
      const b = pool[p++];
      if (b < 248) bytes[pos + k++] = ALNUM[b % 62];
    }
    this.#poolPos = p;
    return pos + NONCE_LEN;
  }

  // #leanText decodes n bytes of the out region from byte offset at.
  #leanText(at, n) {
    const start = this.#lean + this.#leanIn + at;
    return this.#decoder.decode(new Uint8Array(this.#buffer, start, n));
  }

  // #leanSortedSHA1 is sortedSHA1 on the lean ABI, or undefined.
  #leanSortedSHA1(values) {
    const count = values.length;
    if (this.#lean === 0 || count > MAX_SORTED_VALUES) return undefined;
    this.#sync();
    const words = this.#leanWords;
    this.#overwrote(0, 4 * (1 + count));
    words[0] = count;
    let pos = 4 * (1 + count);
    for (let i = 0; i < count; i++) {
      const end = this.#put(values[i], pos);
      if (end < 0) return undefined;
      words[1 + i] = end - pos;
      pos = end;
    }
    if (this.#exports.wxcard_lean_sorted_sha1() !== 40) return undefined;
    this.#sync();
    return hex40(this.#leanSig);
  }

  // #leanCardExt is cardExtSignature on the lean ABI (addCard of one card),
  // with the explanation built here, or undefined.
  #leanCardExt(params) {
    const card = ownFields(params, CARD_EXT_KEYS);
    if (card === undefined) return undefined;
    const { apiTicket, timestamp, nonceStr } = card;
    delete card.apiTicket;
    delete card.timestamp;
    delete card.nonceStr;
    if (nonceStr !== undefined && typeof nonceStr !== 'string') return undefined;
    const list = this.#leanAddCard(apiTicket, [card], { timestamp, nonces: nonceStr === undefined ? undefined : [nonceStr] });
    if (list === undefined) return undefined;
    const { cardExt } = list[0];
    // The module wrote the timestamp and nonce it signed; read them back
    // rather than trusting what was asked (the generated ones, "007").
    const { timestamp: signedAt, nonce_str: nonce } = JSON.parse(cardExt);
    const sortedValues = [apiTicket, signedAt, card.cardId, card.code ?? '', card.openid ?? '', nonce].sort(compareUTF8);
    return {
      cardId: card.cardId, cardExt, signature: cardExt.slice(-42, -2), timestamp: Number(signedAt), nonceStr: nonce,
      sortedValues, preimage: sortedValues.join(''),
    };
  }

  // #leanAddCard is addCard on the lean ABI, or undefined for input it does
  // not take: a key or type it does not know, a value the module refuses.
  #leanAddCard(ticket, cards, options) {
    const n = Array.isArray(cards) ? cards.length : 0;
    if (this.#lean === 0 || n === 0 || n > MAX_CARDS || typeof ticket !== 'string' || options === null || typeof options !== 'object') return undefined;
    const opts = ownFields(options, OPTION_KEYS);
    if (opts === undefined) return undefined;
    let { timestamp } = opts;
    const { nonces } = opts;
    if (timestamp === undefined) timestamp = Math.floor(Date.now() / 1000);
    timestamp = digits(timestamp);
    if (timestamp === undefined) return undefined;
    if (nonces !== undefined && (!Array.isArray(nonces) || nonces.length !== n)) return undefined;
    this.#sync();
    this.#ascii = true;
    const words = this.#leanWords;
    this.#overwrote(0, 4 * (3 + 7 * n));
    words[0] = n;
    let pos = 4 * (3 + 7 * n);
    let end = this.#put(ticket, pos);
    if (end < 0) return undefined;
    words[1] = end - pos;
    pos = end;
    end = this.#put(timestamp, pos);
    if (end < 0) return undefined;
    words[2] = end - pos;
    pos = end;
    for (let i = 0, w = 3; i < n; i++, w += 7) {
      const card = ownFields(cards[i], CARD_KEYS);
      if (card === undefined) return undefined;
      const { cardId, code = '', openid = '', outerStr = '', fixedBeginTimestamp, balance } = card;
      if (typeof cardId !== 'string' || typeof code !== 'string' || typeof openid !== 'string' || typeof outerStr !== 'string') return undefined;
      const texts = [cardId, code, openid, outerStr];
      for (let f = 0; f < 4; f++) {
        end = this.#put(texts[f], pos);
        if (end < 0) return undefined;
        words[w + f] = end - pos;
        pos = end;
      }
      const fixed = fixedBeginTimestamp === undefined ? '' : digits(fixedBeginTimestamp);
      if (fixed === undefined) return undefined;
      end = this.#put(fixed, pos);
      if (end < 0) return undefined;
      words[w + 4] = end - pos;
      pos = end;
      if (balance === undefined) {
        words[w + 5] = ABSENT;
      } else {
        const b = digits(balance);
        if (b === undefined || (end = this.#put(b, pos)) < 0) return undefined;
        words[w + 5] = end - pos;
        pos = end;
      }
      if (nonces === undefined) {
        if (pos + NONCE_LEN > this.#leanIn) return undefined;
        end = this.#putNonce(pos);
        this.#overwrote(pos, end);
      } else {
        if (typeof nonces[i] !== 'string') return undefined;
        end = this.#put(nonces[i], pos);
        if (end < 0) return undefined;
      }
      words[w + 6] = end - pos;
      pos = end;
    }
    const total = this.#exports.wxcard_lean_add_card();
    if (total === 0) return undefined;
    this.#sync();
    // Each cardExt's byte length comes first. ASCII in means ASCII out, and
    // then one decode and slices by those lengths do; otherwise each cardExt
    // is decoded on its own.
    const lengths = new Uint32Array(this.#buffer, this.#lean + this.#leanIn, n);
    const text = this.#ascii ? this.#leanText(LEAN_OUT_DATA, total) : undefined;
    const list = new Array(n);
    for (let i = 0, at = 0; i < n; i++) {
      const next = at + lengths[i];
      const cardExt = text === undefined ? this.#leanText(LEAN_OUT_DATA + at, lengths[i]) : text.slice(at, next);
      list[i] = { cardId: cards[i].cardId, cardExt };
      at = next;
    }
    return list;
  }

  #guard(fn) {
    if (this.#broken) throw this.#broken;
    try {
      return fn();
    } catch (err) {
      throw this.#fail(err);
    }
  }

  // #fail turns what a call threw into the error to throw. A trap or
  // proc_exit leaves the Go runtime in an unknown state, so the instance
  // refuses further calls.
  #fail(err) {
    if (err instanceof WxcardError) return err;
    this.#broken = new WxcardError('instance_unusable', `the wasm instance stopped (${err instanceof WasiExit ? err.message : err}); load() a new one`);
    return new WxcardError('wasm_trap', String(err?.message ?? err));
  }

  // #write encodes text into the scratch buffer, growing it when needed, and
  // returns the byte length.
  #write(text) {
    const worst = text.length * 3;
    if (worst > this.#scratchSize) {
      const size = Math.min(Math.max(worst, this.#scratchSize * 2), 1 << 20);
      if (worst > size) {
        const exact = this.#encoder.encode(text).length;
        if (exact > size) throw new WxcardError('request_too_large', `the request is ${exact} bytes; the limit is ${size}`);
      }
      const ptr = this.#alloc(size);
      this.#exports.wxcard_free(this.#scratch);
      this.#scratch = ptr;
      this.#scratchSize = size;
    }
    this.#sync();
    return this.#encoder.encodeInto(text, this.#scratchView).written;
  }

  /**
   * callRaw sends a JSON request string to an operation and returns the
   * JSON response string, {"ok":…} or {"error":…}, exactly as the module
   * wrote it. The friendly methods below are built on it.
   */
  callRaw(op, json) {
    if (!OPS.includes(op)) throw new WxcardError('unknown_operation', `unknown operation ${op}`);
    if (typeof json !== 'string') throw new WxcardError('invalid_input', 'callRaw takes the request as a JSON string');
    if (!wellFormed(json)) {
      throw new WxcardError('invalid_utf8', 'the request contains a lone UTF-16 surrogate, which is not valid Unicode');
    }
    return this.#guard(() => {
      const n = this.#write(json);
      const packed = this.#exports[`wxcard_${op}`](this.#scratch, n);
      const ptr = Number(packed >> 32n);
      const len = Number(packed & 0xffffffffn);
      this.#sync();
      const text = this.#decoder.decode(new Uint8Array(this.#buffer, ptr, len));
      this.#exports.wxcard_free(ptr);
      return text;
    });
  }

  /** call sends a request object and returns the "ok" value or throws WxcardError. */
  call(op, request) {
    return this.#call(op, request);
  }

  // #call is call with the caller's names for an error's field (and the
  // message, which starts with the field).
  #call(op, request, names) {
    const res = JSON.parse(this.callRaw(op, JSON.stringify(request)));
    if (res.error) {
      let { code, message, field } = res.error;
      if (names && field !== undefined) {
        const theirs = names.callerField(field);
        if (message.startsWith(`${field} `)) message = theirs + message.slice(field.length);
        field = theirs;
      }
      throw new WxcardError(code, message, field);
    }
    return res.ok;
  }

  /**
   * sortedSHA1 is WeChat's card signature rule: the values sorted as byte
   * strings, joined, SHA-1, lowercase hex. The fast path: no JSON at all.
   */
  sortedSHA1(...values) {
    if (values.length === 1 && Array.isArray(values[0])) values = values[0];
    for (const v of values) {
      if (typeof v !== 'string') throw new WxcardError('invalid_input', 'sortedSHA1 takes strings');
    }
    if (this.#broken) throw this.#broken;
    let signature;
    try {
      signature = this.#leanSortedSHA1(values);
    } catch (err) {
      throw this.#fail(err);
    }
    // What the lean call does not take (a lone surrogate, too many or too
    // long values) the JSON ABI refuses with its reason.
    return signature ?? this.call('sorted_sha1', { values }).signature;
  }

  /** explainSortedSHA1 explains sortedSHA1: {signature, sortedValues, preimage}. */
  explainSortedSHA1(values) {
    return toResult(this.call('sorted_sha1', { values }));
  }

  /**
   * cardExtSignature signs one card for wx.addCard with the card api_ticket
   * (type wx_card). Without timestamp/nonceStr the module picks them.
   * Returns {cardId, cardExt, signature, timestamp, nonceStr, sortedValues, preimage}.
   */
  cardExtSignature(params) {
    if (this.#broken) throw this.#broken;
    let res;
    try {
      res = this.#leanCardExt(params);
    } catch (err) {
      throw this.#fail(err);
    }
    if (res !== undefined) return res;
    const names = new Names();
    return toResult(this.#call('card_ext', toRequest(params, 'cardExtSignature', names), names));
  }

  /** addCard returns the cardList for wx.addCard: [{cardId, cardExt}], one fresh nonce per card. */
  addCard(apiTicket, cards, options = {}) {
    if (this.#broken) throw this.#broken;
    let list;
    try {
      list = this.#leanAddCard(apiTicket, cards, options);
    } catch (err) {
      throw this.#fail(err);
    }
    if (list !== undefined) return list;
    if (!Array.isArray(cards)) throw new WxcardError('invalid_input', 'cards must be an array', 'cards');
    const names = new Names();
    const cardNames = cards.map(() => new Names());
    names.items.set('cards', cardNames);
    const req = toRequest({ ...options, apiTicket, cards: cards.map((c, i) => toRequest(c, 'a card', cardNames[i])) }, 'addCard', names);
    return this.#call('add_card', req, names).cardList;
  }

  /** chooseCard returns wx.chooseCard's arguments, signed with the card api_ticket. */
  chooseCard(params) {
    const names = new Names();
    return this.#call('choose_card', toRequest(params, 'chooseCard', names), names);
  }

  /** jsConfig returns wx.config's arguments, signed with the jsapi ticket for url (its #fragment is ignored). */
  jsConfig(params) {
    const names = new Names();
    return this.#call('js_config', toRequest(params, 'jsConfig', names), names).config;
  }

  /** checkJSConfig is jsConfig with the explanation: {config, signedUrl, preimage, warnings}. */
  checkJSConfig(params) {
    const names = new Names();
    return toResult(this.#call('js_config', toRequest(params, 'checkJSConfig', names), names));
  }

  /**
   * verifyCardExt checks a cardExt string as the WeChat client does and
   * says why it fails: {valid, signature, expected, sortedValues, preimage, cardExt, problems}.
   * jsapiTicket is optional and only lets a cardExt signed with it be named as such.
   */
  verifyCardExt(params) {
    const names = new Names();
    const res = toResult(this.#call('verify_card_ext', toRequest(params, 'verifyCardExt', names), names));
    res.cardExt = toResult(res.cardExt);
    return res;
  }

  /**
   * verifyJSConfig checks a wx.config call as the WeChat client does and
   * says why it fails: {jsapiTicket, url, timestamp, nonceStr, signature,
   * apiTicket?} → {valid, signature, expected, signedUrl, preimage, problems}.
   * url is the page's location.href; apiTicket (the card one) is optional and
   * only lets a signature made with it be named as such.
   */
  verifyJSConfig(params) {
    return toResult(this.call('verify_js_config', toRequest(params, 'verifyJSConfig')));
  }

  /**
   * verifyChooseCard checks a wx.chooseCard call as the WeChat client does
   * and says why it fails: {apiTicket, appId, shopId?, cardType?, cardId?,
   * timestamp, nonceStr, signType?, cardSign, jsapiTicket?} →
   * {valid, signature, expected, sortedValues, preimage, problems}.
   */
  verifyChooseCard(params) {
    return toResult(this.call('verify_choose_card', toRequest(params, 'verifyChooseCard')));
  }
}

export {
  mintGrant,
  verifyGrant,
  parseGrantKeys,
  GrantError,
  MAX_LIFETIME_SECONDS,
  DEFAULT_LIFETIME_SECONDS,
  CLOCK_SKEW_SECONDS,
  MAX_TOKEN_LENGTH,
  MIN_SECRET_LENGTH,
} from './grant.js';
