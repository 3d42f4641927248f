import type { WasmMemory } from './index.js';

/** Thrown by proc_exit: the Go runtime gave up (a fatal error), so the instance is unusable. */
export declare class WasiExit extends Error {
  readonly name: 'WasiExit';
  readonly exitCode: number;
  constructor(code: number);
}

export interface WasiOptions {
  /** Lines written to fd 1 (default: console.log). */
  stdout?: (line: string) => void;
  /** Lines written to fd 2 (default: console.error). */
  stderr?: (line: string) => void;
}

export interface Wasi {
  /** Pass to WebAssembly.instantiate; any import not implemented answers ENOSYS. */
  readonly imports: { wasi_snapshot_preview1: Record<string, (...args: any[]) => number> };
  /** Call once with the instance's exported memory, before _initialize. */
  bind(memory: WasmMemory): void;
}

/** The small WASI preview1 shim wxcard.wasm needs: clocks, random, fd_write; ENOSYS for the rest. */
export declare function createWasi(options?: WasiOptions): Wasi;

export declare const errno: { readonly ESUCCESS: 0; readonly EBADF: 8; readonly EINVAL: 28; readonly ENOSYS: 52 };
