// Grants: short-lived tokens with which a merchant's backend entitles one
// page to have one card signed by the wxcard edge. This is the JavaScript
// twin of the Go package grant: same token, same rules, same test vectors
// (grant/testdata/vectors.json). It uses only WebCrypto (crypto.subtle), so
// it runs in Node >= 20, browsers and Workers.
//
//   import { mintGrant } from 'wxcard/grant';
//   const grant = await mintGrant({ id: 'k2025a', secret: process.env.GRANT_KEY },
//     { app: 'wx…', card: 'pFS7…', openid: user.openid });
//
// A token is base64url(payload) "." base64url(HMAC-SHA256(secret, base64url(payload))),
// unpadded; the payload is the claims as canonical JSON (fixed field order,
// empty fields left out). Unknown claims are refused, not ignored: a claim is
// a restriction, and skipping one would sign more than the merchant allowed.

/** Longest life of a grant, in seconds (10 minutes). */
export const MAX_LIFETIME_SECONDS = 600;
/** Life given by mintGrant when claims.exp is not set, in seconds. */
export const DEFAULT_LIFETIME_SECONDS = 300;
/** How far the verifier's clock may differ from the minter's, in seconds. */
export const CLOCK_SKEW_SECONDS = 30;
/** Longest token accepted; longer input is refused before decoding. */
export const MAX_TOKEN_LENGTH = 4096;
/** Shortest key secret, in bytes. */
export const MIN_SECRET_LENGTH = 32;

const MAX_CARD_ID = 64;
const MAX_FIELD = 128;
const MAX_ID = 64;
const MAX_SECRET = 1024;
const MAX_TIMESTAMP = 100_000_000_000;

/**
 * Why a grant or key was refused. `reason` is one of malformed,
 * invalid_claims, unknown_key, bad_mac, expired, not_yet_valid, wrong_app,
 * invalid_key (the same names as the Go sentinels); `code` is the edge's
 * error code for it. Messages never contain a secret or a MAC.
 */
export class GrantError extends Error {
  constructor(reason, message) {
    super(message);
    this.name = 'GrantError';
    this.reason = reason;
    this.code = EDGE_CODES[reason] ?? 'grant_invalid';
  }
}

const EDGE_CODES = {
  expired: 'grant_expired',
  not_yet_valid: 'grant_not_yet_valid',
  wrong_app: 'grant_wrong_app',
  unknown_key: 'grant_unknown_key',
};

// The claims in payload order: name, kind, bound.
const FIELDS = [
  ['kid', 'id', MAX_ID],
  ['app', 'text', MAX_FIELD],
  ['card', 'text', MAX_CARD_ID],
  ['code', 'text', MAX_FIELD],
  ['openid', 'text', MAX_FIELD],
  ['outer_str', 'text', MAX_FIELD],
  ['fixed_begintimestamp', 'time'],
  ['balance', 'amount'],
  ['shop_id', 'text', MAX_FIELD],
  ['card_type', 'text', MAX_FIELD],
  ['iat', 'time'],
  ['nbf', 'time'],
  ['exp', 'time'],
  ['jti', 'id', MAX_ID],
];
const KIND = new Map(FIELDS.map(([name, kind]) => [name, kind]));
const REQUIRED = new Set(['kid', 'app', 'card', 'exp', 'jti']);
const utf8 = new TextEncoder();

const fail = (reason, message) => new GrantError(reason, message);

function nowSeconds(now) {
  if (now === undefined) return Math.floor(Date.now() / 1000);
  if (now instanceof Date) return Math.floor(now.getTime() / 1000);
  if (Number.isSafeInteger(now)) return now;
  throw new TypeError('now must be a Date or whole seconds');
}

// base64url without padding; decoding is strict (no padding, no stray
// characters, zero trailing bits), as Go's RawURLEncoding.Strict().
function encode64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function decode64(s) {
  if (!/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) return undefined;
  let bin;
  try {
    bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  } catch {
    return undefined;
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return encode64(out) === s ? out : undefined;
}

function secretBytes(secret) {
  if (typeof secret === 'string') {
    const raw = decode64(secret.replace(/=+$/, ''));
    if (!raw) throw fail('invalid_key', 'the key secret is not base64url');
    return raw;
  }
  if (secret instanceof Uint8Array) return secret;
  if (secret instanceof ArrayBuffer) return new Uint8Array(secret);
  throw fail('invalid_key', 'the key secret must be base64url text, a Uint8Array or an ArrayBuffer');
}

const isID = (s) => /^[A-Za-z0-9._-]+$/.test(s);

function checkKey(key) {
  if (!key || typeof key.id !== 'string' || key.id === '' || key.id.length > MAX_ID || !isID(key.id)) {
    throw fail('invalid_key', `key id must be 1..${MAX_ID} of A-Z a-z 0-9 . _ -`);
  }
  const raw = secretBytes(key.secret);
  if (raw.length < MIN_SECRET_LENGTH) {
    throw fail('invalid_key', `key ${JSON.stringify(key.id)}: the secret has ${raw.length} bytes, at least ${MIN_SECRET_LENGTH} are needed`);
  }
  if (raw.length > MAX_SECRET) throw fail('invalid_key', `key ${JSON.stringify(key.id)}: the secret is longer than ${MAX_SECRET} bytes`);
  return raw;
}

// CryptoKeys by key object, so a backend that reuses its key object imports
// it once.
const imported = new WeakMap();

async function cryptoKey(key) {
  let k = imported.get(key);
  if (!k) {
    const raw = checkKey(key);
    k = await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    imported.set(key, k);
  }
  return k;
}

/**
 * parseGrantKeys reads keys written "id:secret" (secret in base64url),
 * several separated by commas or white space: the form of the Worker
 * variable WXCARD_GRANT_KEYS and of the local server's -grant-keys flag.
 */
export function parseGrantKeys(text) {
  const keys = [];
  const seen = new Set();
  for (const [i, item] of text.split(/[\s,]+/).filter(Boolean).entries()) {
    const colon = item.indexOf(':');
    if (colon < 0) throw fail('invalid_key', `key ${i + 1} is not written as id:secret`);
    const key = { id: item.slice(0, colon), secret: item.slice(colon + 1) };
    key.secret = checkKey(key);
    if (seen.has(key.id)) throw fail('invalid_key', `key id ${JSON.stringify(key.id)} is given twice`);
    seen.add(key.id);
    keys.push(key);
  }
  return keys;
}

function validate(c) {
  for (const [name, kind, max] of FIELDS) {
    const v = c[name];
    const required = REQUIRED.has(name);
    if (kind === 'text' || kind === 'id') {
      if (v === '' || v === undefined) {
        if (required) throw fail('invalid_claims', `${name} is required`);
        continue;
      }
      if (typeof v !== 'string') throw fail('invalid_claims', `${name} must be a string`);
      if (!v.isWellFormed()) throw fail('invalid_claims', `${name} is not valid UTF-8`);
      if (utf8.encode(v).length > max) throw fail('invalid_claims', `${name} is longer than ${max} bytes`);
      if (/[\x00-\x1f\x7f]/.test(v)) throw fail('invalid_claims', `${name} contains a control character`);
      if (kind === 'id' && !isID(v)) throw fail('invalid_claims', `${name} may hold only A-Z a-z 0-9 . _ -`);
    } else {
      if (v === undefined || (v === 0 && kind === 'time')) {
        if (required) throw fail('invalid_claims', `${name} is required`);
        continue;
      }
      if (!Number.isSafeInteger(v)) throw fail('invalid_claims', `${name} must be a whole number`);
      if (v < 0) throw fail('invalid_claims', `${name} is negative`);
      if (kind === 'time' && v >= MAX_TIMESTAMP) throw fail('invalid_claims', `${name} looks like milliseconds; grants use seconds`);
    }
  }
}

// The canonical payload: fields in order, empty ones left out. Validated
// claims hold no control characters, so JSON.stringify escapes exactly what
// the Go encoder does ('"' and '\').
function payloadOf(c) {
  const parts = [];
  for (const [name, kind] of FIELDS) {
    const v = c[name];
    if (name !== 'kid' && (v === undefined || v === '' || (v === 0 && kind !== 'amount'))) continue;
    parts.push(`${JSON.stringify(name)}:${typeof v === 'string' ? JSON.stringify(v) : String(v)}`);
  }
  return `{${parts.join(',')}}`;
}

/**
 * mintGrant signs claims with key ({id, secret}; secret as base64url text,
 * Uint8Array or ArrayBuffer) and resolves to the token. Claims use the wire
 * names: app and card are required; code, openid, outer_str,
 * fixed_begintimestamp, balance, shop_id, card_type, iat and nbf are
 * optional; exp defaults to now + 5 minutes and may be at most 10 minutes
 * ahead; jti defaults to 128 random bits. options.now (Date or seconds)
 * replaces the clock.
 */
export async function mintGrant(key, claims, options = {}) {
  const ck = await cryptoKey(key);
  const now = nowSeconds(options.now);
  for (const name of Object.keys(claims ?? {})) {
    if (!KIND.has(name)) throw fail('invalid_claims', `unknown claim ${JSON.stringify(name)}`);
  }
  const c = { ...claims, kid: key.id };
  if (c.jti === undefined || c.jti === '') c.jti = encode64(crypto.getRandomValues(new Uint8Array(16)));
  if (c.exp === undefined || c.exp === 0) c.exp = now + DEFAULT_LIFETIME_SECONDS;
  validate(c);
  if (c.exp <= now) throw fail('invalid_claims', 'exp is not after now');
  if (c.exp > now + MAX_LIFETIME_SECONDS) throw fail('invalid_claims', `exp is more than ${MAX_LIFETIME_SECONDS} s ahead`);
  if (c.nbf && c.nbf > c.exp) throw fail('invalid_claims', 'nbf is after exp');
  if (c.iat && c.iat > c.exp) throw fail('invalid_claims', 'iat is after exp');
  const payload = encode64(utf8.encode(payloadOf(c)));
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', ck, utf8.encode(payload)));
  const token = `${payload}.${encode64(mac)}`;
  if (token.length > MAX_TOKEN_LENGTH) throw fail('invalid_claims', `the grant would be longer than ${MAX_TOKEN_LENGTH} bytes`);
  return token;
}

/**
 * verifyGrant checks token for options.app against options.keys (an array
 * of {id, secret}) at options.now (default: the clock) and resolves to its
 * claims, or rejects with a GrantError. The checks and their order are the
 * Go verifier's, so both give the same reason for the same token.
 */
export async function verifyGrant(token, options) {
  const { app, keys } = options ?? {};
  if (typeof app !== 'string' || app === '') throw new TypeError('options.app is required');
  if (!Array.isArray(keys) || keys.length === 0) throw new TypeError('options.keys must list at least one key');
  const now = nowSeconds(options.now);
  if (typeof token !== 'string') throw fail('malformed', 'a grant is a string');
  if (token.length > MAX_TOKEN_LENGTH) throw fail('malformed', `longer than ${MAX_TOKEN_LENGTH} bytes`);
  const parts = token.split('.');
  if (parts.length !== 2 || parts[0] === '') throw fail('malformed', 'not payload.mac');
  const [encPayload, encMAC] = parts;
  const mac = encMAC.length === 43 ? decode64(encMAC) : undefined;
  if (!mac) throw fail('malformed', 'the MAC is not 32 bytes of base64url');
  const raw = decode64(encPayload);
  if (!raw) throw fail('malformed', 'the payload is not base64url');
  // ignoreBOM keeps a leading U+FEFF, which Go would not skip either.
  let text;
  let validUTF8 = true;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(raw);
  } catch {
    // Go checks the encoding after the MAC: decode leniently and say so then.
    text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(raw);
    validUTF8 = false;
  }
  let c;
  try {
    c = JSON.parse(text);
  } catch {
    c = undefined;
  }
  // Go's parser allows no escape but \" and \\ in a string: a control
  // character or lone surrogate here came from one (\n, \u0001, \ud800),
  // which JSON.stringify would write back the same way.
  const wellTyped = c !== null && typeof c === 'object' && !Array.isArray(c) &&
    Object.entries(c).every(([name, v]) => KIND.has(name) &&
      (KIND.get(name) === 'text' || KIND.get(name) === 'id'
        ? typeof v === 'string' && !/[\x00-\x1f]/.test(v) && v.isWellFormed()
        : Number.isSafeInteger(v) && v >= 0));
  if (!wellTyped || payloadOf(c) !== text) throw fail('malformed', 'the payload is not a claims object in canonical form');
  const key = keys.find((k) => k.id === c.kid);
  if (!key) throw fail('unknown_key', `unknown key id ${JSON.stringify(String(c.kid).slice(0, MAX_ID))}`);
  const ok = await crypto.subtle.verify('HMAC', await cryptoKey(key), mac, utf8.encode(encPayload));
  if (!ok) throw fail('bad_mac', 'the MAC does not match');
  if (!validUTF8) throw fail('invalid_claims', 'a claim is not valid UTF-8');
  validate(c);
  if (c.app !== app) throw fail('wrong_app', 'the grant is for another app');
  const skew = CLOCK_SKEW_SECONDS;
  if (c.exp + skew < now) throw fail('expired', 'the grant has expired');
  if (c.exp > now + MAX_LIFETIME_SECONDS + skew) throw fail('invalid_claims', `exp is more than ${MAX_LIFETIME_SECONDS} s ahead`);
  if (c.iat && c.exp - c.iat > MAX_LIFETIME_SECONDS) throw fail('invalid_claims', `the grant lives longer than ${MAX_LIFETIME_SECONDS} s`);
  if (c.nbf && c.nbf > now + skew) throw fail('not_yet_valid', 'nbf is in the future');
  if (c.iat && c.iat > now + skew) throw fail('not_yet_valid', 'iat is in the future');
  return c;
}
