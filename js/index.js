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
  if (source instanceof WebAssembly.Module) {
    return WebAssembly.instantiate(source, imports);
  }
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    return (await WebAssembly.instantiate(source, imports)).instance;
  }
  if (typeof source === 'string' || source instanceof URL) {
    const url = toURL(source);
    if (url.protocol === 'file:') {
      return (await WebAssembly.instantiate(await readNodeFile(url), imports)).instance;
    }
    source = fetch(url);
  }
  const response = await source;
  if (typeof Response === 'undefined' || !(response instanceof Response)) {
    throw new WxcardError('load_failed', 'load() takes a URL, a path, a Response, bytes or a WebAssembly.Module');
  }
  if (!response.ok) {
    throw new WxcardError('load_failed', `cannot fetch wxcard.wasm: HTTP ${response.status}`);
  }
  if (WebAssembly.instantiateStreaming) {
    try {
      return (await WebAssembly.instantiateStreaming(response.clone(), imports)).instance;
    } catch (err) {
      // A server that does not send application/wasm makes streaming fail;
      // compiling from the bytes still works.
      if (!(err instanceof TypeError)) throw err;
    }
  }
  return (await WebAssembly.instantiate(await response.arrayBuffer(), imports)).instance;
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
  #out = 0;
  #broken = null;
  // Views into linear memory. Growth replaces memory.buffer (and detaches
  // the old one), so #sync re-derives them whenever the buffer changed:
  // after every call into the module, before the next read or write.
  #buffer = null;
  #scratchView = null;
  #outView = null;

  constructor(instance) {
    this.#exports = instance.exports;
    this.#scratch = this.#alloc(SCRATCH);
    this.#scratchSize = SCRATCH;
    this.#out = this.#alloc(40);
  }

  /** The module's linear memory (for diagnostics; views on it detach when it grows). */
  get memory() {
    return this.#exports.memory;
  }

  /** Buffers the module holds for this object: 2 (the scratch buffers) when every call has been balanced. */
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
      this.#outView = new Uint8Array(buf, this.#out, 40);
    }
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
    const joined = values.join('\0');
    // NUL separates values on the fast path; a lone surrogate is refused by
    // the module with its reason, as every other method does.
    if (values.some((v) => v.includes('\0')) || !wellFormed(joined)) {
      return this.call('sorted_sha1', { values }).signature;
    }
    if (this.#broken) throw this.#broken;
    try {
      const n = this.#write(joined);
      if (this.#exports.wxcard_sorted_sha1_raw(this.#scratch, n, this.#out) !== 0) {
        throw new WxcardError('internal', 'the signature call was refused');
      }
      this.#sync();
      return this.#decoder.decode(this.#outView);
    } catch (err) {
      throw this.#fail(err);
    }
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
    const names = new Names();
    return toResult(this.#call('card_ext', toRequest(params, 'cardExtSignature', names), names));
  }

  /** addCard returns the cardList for wx.addCard: [{cardId, cardExt}], one fresh nonce per card. */
  addCard(apiTicket, cards, options = {}) {
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
