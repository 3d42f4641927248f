/**
 * wxcard.wasm as a Worker imports it (`import wasm from 'wxcard/wxcard.wasm'`,
 * a CompiledWasm module rule): the module compiled by the platform, for load().
 */
declare const wasm: import('./index.js').WasmModule;
export default wasm;
