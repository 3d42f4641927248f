/** An error from wxcard. `code` is stable and meant for programs. */
export declare class WxcardError extends Error {
  readonly name: 'WxcardError';
  /**
   * invalid_input, invalid_json, invalid_utf8, request_too_large, bad_pointer,
   * unknown_operation, internal (from the module); load_failed, wasm_trap,
   * instance_unusable (from the loader).
   */
  readonly code: WxcardErrorCode;
  /** The rejected input as the caller named it, e.g. "cardId" or "cards[2].code" ("card_id" from call()), when there is one. */
  readonly field?: string;
}

export type WxcardErrorCode =
  | 'invalid_input' | 'invalid_json' | 'invalid_utf8' | 'request_too_large' | 'bad_pointer'
  | 'unknown_operation' | 'internal' | 'load_failed' | 'wasm_trap' | 'instance_unusable';

// The host types below come from whichever lib the project has (DOM,
// @types/node, @cloudflare/workers-types) and are looked up on globalThis,
// so that these declarations compile in each: a Node-only project has no
// WebAssembly namespace, a plain es2022 one has no Response either.
type HostType<Name extends string, Fallback> =
  typeof globalThis extends { [K in Name]: { prototype: infer T } } ? T : Fallback;
type HostWebAssembly<Name extends string, Fallback> =
  typeof globalThis extends { WebAssembly: { [K in Name]: { prototype: infer T } } } ? T : Fallback;

/**
 * A compiled module: WebAssembly.Module, what `import wasm from 'wxcard/wxcard.wasm'`
 * gives in a Worker. Opaque where the project's libs do not declare WebAssembly.
 */
export type WasmModule = HostWebAssembly<'Module', { readonly [wasmModuleBrand]: never }>;
declare const wasmModuleBrand: unique symbol;

/** The instance's linear memory: WebAssembly.Memory where the project's libs declare it. */
export type WasmMemory = HostWebAssembly<'Memory', { readonly buffer: ArrayBuffer; grow(delta: number): number }>;

/** A fetch Response, in hosts that have one. */
export type FetchResponse = HostType<'Response', never>;

/** Where the module comes from: default is wxcard.wasm next to index.js. */
export type WasmSource =
  | URL | string | FetchResponse | PromiseLike<FetchResponse>
  | ArrayBuffer | ArrayBufferView | WasmModule;

export interface LoadOptions {
  /** Lines the module prints to stdout / stderr (default: console.log / console.error). */
  stdout?: (line: string) => void;
  stderr?: (line: string) => void;
}

/** wxcard.wasm next to index.js. */
export declare const defaultWasmURL: URL | undefined;

/**
 * Instantiates the module (compileStreaming in browsers, a file read in Node, a Module in Workers).
 * The module compiled from a URL or path is kept for the page: later load() calls only instantiate it.
 */
export declare function load(source?: WasmSource, options?: LoadOptions): Promise<Wxcard>;

/** A timestamp in seconds, as a number or a string of digits. */
export type Timestamp = number | string;

export interface Card {
  cardId: string;
  code?: string;
  openid?: string;
  outerStr?: string;
  fixedBeginTimestamp?: Timestamp;
  /** LUCKY_MONEY cards only, in fen. */
  balance?: number;
}

export interface CardExtParams extends Card {
  /** The card api_ticket (getticket?type=wx_card), never the jsapi ticket. */
  apiTicket: string;
  /** Seconds; default: now. */
  timestamp?: Timestamp;
  /** Default: 24 random alphanumeric characters. */
  nonceStr?: string;
}

export interface CardExtResult {
  cardId: string;
  /** The JSON string wx.addCard wants as cardExt. */
  cardExt: string;
  signature: string;
  timestamp: number;
  nonceStr: string;
  /** The six signed values in hashing order; they contain the ticket. */
  sortedValues: string[];
  /** sortedValues joined: what was hashed. */
  preimage: string;
}

export interface CardListItem {
  cardId: string;
  cardExt: string;
}

export interface AddCardOptions {
  timestamp?: Timestamp;
  /** One per card, for reproducible output. */
  nonces?: string[];
}

/** What a wx.chooseCard signature covers, besides the ticket. */
export interface ChooseCardFields {
  appId: string;
  shopId?: string;
  cardType?: string;
  cardId?: string;
  timestamp?: Timestamp;
  nonceStr?: string;
}

export interface ChooseCardParams extends ChooseCardFields {
  apiTicket: string;
}

/** The argument of wx.chooseCard. */
export interface ChooseCard {
  shopId: string;
  cardType: string;
  cardId: string;
  timestamp: number;
  nonceStr: string;
  signType: 'SHA1';
  cardSign: string;
}

export interface JSConfigParams {
  /** The jsapi ticket (getticket?type=jsapi), never the card api_ticket. */
  jsapiTicket: string;
  appId: string;
  /** The page URL (location.href); its #fragment is ignored. */
  url: string;
  jsApiList?: string[];
  openTagList?: string[];
  timestamp?: Timestamp;
  nonceStr?: string;
  /** The URL of the page that will call wx.config, to warn when url is not it. */
  pageUrl?: string;
}

/** The argument of wx.config (add debug yourself). */
export interface JSConfig {
  appId: string;
  timestamp: number;
  nonceStr: string;
  signature: string;
  jsApiList?: string[];
  openTagList?: string[];
}

export interface Problem {
  /** e.g. signature_mismatch, timestamp_milliseconds, literal_null, nonce_missing, url_fragment, url_not_page. */
  code: string;
  field?: string;
  message: string;
  /** True on the finding that explains a signature mismatch: undone, it reproduces the signature found. */
  cause?: boolean;
}

export interface JSConfigCheck {
  config: JSConfig;
  signedUrl: string;
  /** "jsapi_ticket=…&noncestr=…&timestamp=…&url=…": what was hashed. */
  preimage: string;
  warnings: Problem[];
}

export interface VerifyParams {
  apiTicket: string;
  /** The jsapi ticket, optional: lets a cardExt signed with it be named as such. */
  jsapiTicket?: string;
  cardId: string;
  /** The cardExt JSON string as passed to wx.addCard. */
  cardExt: string;
}

export interface Verification {
  valid: boolean;
  signature: string;
  expected: string;
  sortedValues: string[];
  preimage: string;
  cardExt: {
    code?: string; openid?: string; timestamp: string; nonceStr: string;
    fixedBeginTimestamp?: number; outerStr?: string; balance?: number; signature: string;
  };
  problems: Problem[];
}

export interface VerifyJSConfigParams {
  /** The jsapi ticket (getticket?type=jsapi) the client checks with. */
  jsapiTicket: string;
  /** The card api_ticket, optional: lets a signature made with it be named as such. */
  apiTicket?: string;
  /** The page the client is on (location.href), #fragment and all. */
  url: string;
  timestamp?: Timestamp;
  nonceStr?: string;
  signature?: string;
}

export interface JSConfigVerification {
  valid: boolean;
  signature: string;
  expected: string;
  /** url without its #fragment: what is signed. */
  signedUrl: string;
  /** "jsapi_ticket=…&noncestr=…&timestamp=…&url=…"; contains the ticket. */
  preimage: string;
  /**
   * e.g. url_fragment, url_mismatch, timestamp_milliseconds, timestamp_invalid,
   * wrong_ticket_type, signature_uppercase, signature_mismatch, literal_null.
   */
  problems: Problem[];
}

export interface VerifyChooseCardParams extends ChooseCardFields {
  /** The card api_ticket (getticket?type=wx_card) the client checks with. */
  apiTicket: string;
  /** The jsapi ticket, optional: lets a cardSign made with it be named as such. */
  jsapiTicket?: string;
  signType?: string;
  cardSign?: string;
}

export interface ChooseCardVerification {
  valid: boolean;
  signature: string;
  expected: string;
  /** The seven signed values in hashing order; they contain the ticket. */
  sortedValues: string[];
  preimage: string;
  /** e.g. sign_type_invalid, literal_null, timestamp_milliseconds, wrong_ticket_type, signature_mismatch. */
  problems: Problem[];
}

export type Operation =
  | 'card_ext' | 'add_card' | 'choose_card' | 'js_config' | 'sorted_sha1'
  | 'verify_card_ext' | 'verify_js_config' | 'verify_choose_card';

export declare class Wxcard {
  readonly memory: WasmMemory;
  /** sha1 of the values sorted as byte strings and joined: WeChat's card rule. No JSON, no allocation. */
  sortedSHA1(...values: string[]): string;
  sortedSHA1(values: string[]): string;
  explainSortedSHA1(values: string[]): { signature: string; sortedValues: string[]; preimage: string };
  cardExtSignature(params: CardExtParams): CardExtResult;
  addCard(apiTicket: string, cards: Card[], options?: AddCardOptions): CardListItem[];
  chooseCard(params: ChooseCardParams): ChooseCard;
  jsConfig(params: JSConfigParams): JSConfig;
  checkJSConfig(params: JSConfigParams): JSConfigCheck;
  verifyCardExt(params: VerifyParams): Verification;
  verifyJSConfig(params: VerifyJSConfigParams): JSConfigVerification;
  verifyChooseCard(params: VerifyChooseCardParams): ChooseCardVerification;
  /** Sends a request object to an operation; returns its "ok" value or throws WxcardError. */
  call(op: Operation, request: object): unknown;
  /** The JSON ABI itself: request JSON in, response JSON ({"ok":…} or {"error":…}) out. */
  callRaw(op: Operation, json: string): string;
  /** Buffers the module holds for this object; 1 (the JSON scratch buffer) when every call has been balanced. */
  liveAllocations(): number;
}

export * from './grant.js';
