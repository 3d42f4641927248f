// A Node-only project (no DOM lib) using the package as the README shows.
import { readFile } from 'node:fs/promises';
import { load, WxcardError, type CardListItem, type Wxcard } from 'wxcard';
import { createWasi } from 'wxcard/wasi';

const wx: Wxcard = await load();
const fromBytes = await load(await readFile(new URL(import.meta.resolve('wxcard/wxcard.wasm'))));
const fromPath = await load('node_modules/wxcard/wxcard.wasm', { stderr: (line: string) => process.stderr.write(line) });
const list: CardListItem[] = wx.addCard('ticket', [{ cardId: 'c', code: '1' }], { timestamp: 1 });
const pages: number = fromBytes.memory.buffer.byteLength + fromPath.liveAllocations();
const wasi = createWasi();
wasi.bind(wx.memory);
try {
  wx.cardExtSignature({ apiTicket: 't', cardId: '' });
} catch (err) {
  if (err instanceof WxcardError) console.log(err.code, err.field, list.length, pages);
}

// Node's own Response is the one load() takes; a number is no source.
import type { FetchResponse } from 'wxcard';
import type { Equal } from '../equal.js';
const responseIsNodes: Equal<FetchResponse, Response> = true;
await load(new Response(await readFile('wxcard.wasm')));
// @ts-expect-error a number is not a module source
await load(42);
console.log(responseIsNodes);
