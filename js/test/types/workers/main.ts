// A Cloudflare Worker (workers-types, no DOM lib) importing the module the
// way the README tells Workers users to.
import wasm from 'wxcard/wxcard.wasm';
import { load, WxcardError, type Wxcard } from 'wxcard';

let ready: Promise<Wxcard> | undefined;

export default {
  async fetch(request: Request): Promise<Response> {
    const module: WebAssembly.Module = wasm;
    ready ??= load(module);
    const wx = await ready;
    try {
      const body = (await request.json()) as { apiTicket: string; cardId: string };
      return Response.json(wx.cardExtSignature(body));
    } catch (err) {
      if (err instanceof WxcardError) return Response.json({ error: { code: err.code, field: err.field } }, { status: 400 });
      throw err;
    }
  },
} satisfies ExportedHandler;

// With workers-types the host types are the Workers ones, not the fallbacks.
import type { FetchResponse, WasmMemory, WasmModule } from 'wxcard';
import type { Equal } from '../equal.js';
export const exact: [Equal<WasmModule, WebAssembly.Module>, Equal<WasmMemory, WebAssembly.Memory>, Equal<FetchResponse, Response>, Equal<typeof wasm, WebAssembly.Module>] = [true, true, true, true];
