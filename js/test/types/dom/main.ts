// A browser project (DOM lib) using the package as the README shows.
import { load, defaultWasmURL, type JSConfig } from 'wxcard';

const wx = await load();
const streamed = await load(fetch('/js/wxcard.wasm'));
const compiled = await load(await WebAssembly.compile(await (await fetch('/js/wxcard.wasm')).arrayBuffer()));
const config: JSConfig = wx.jsConfig({ jsapiTicket: 't', appId: 'wx1', url: location.href });
const memory: WebAssembly.Memory = streamed.memory;
console.log(config.signature, defaultWasmURL?.href, memory.buffer.byteLength, compiled.sortedSHA1('a', 'b'));

// With the DOM lib the host types are the real ones, not the fallbacks.
import type { FetchResponse, WasmMemory, WasmModule } from 'wxcard';
import type { Equal } from '../equal.js';
const exact: [Equal<WasmModule, WebAssembly.Module>, Equal<WasmMemory, WebAssembly.Memory>, Equal<FetchResponse, Response>] = [true, true, true];
// (load(42) compiles here: the DOM lib's WebAssembly.Module is an empty
// interface, which every value matches.)
console.log(exact);
