// A minimal WASI preview1 for the wxcard reactor: it runs the same in
// browsers, Node and Workers because it only uses Date, performance,
// crypto.getRandomValues and TextDecoder. Go's wasip1 runtime needs a clock,
// random bytes and somewhere to print; everything else answers ENOSYS.

const ESUCCESS = 0;
const EBADF = 8;
const EINVAL = 28;
const ENOSYS = 52;
const FILETYPE_CHARACTER_DEVICE = 2;
const CLOCK_REALTIME = 0;

/** Thrown by proc_exit: the Go runtime gave up (a fatal error), so the instance is unusable. */
export class WasiExit extends Error {
  constructor(code) {
    super(`wasm module exited with code ${code}`);
    this.name = 'WasiExit';
    this.exitCode = code;
  }
}

/**
 * createWasi returns the import object for wasi_snapshot_preview1 and a
 * bind(memory) to call once the instance exists.
 * @param {{stdout?: (line: string) => void, stderr?: (line: string) => void}} [options]
 */
export function createWasi(options = {}) {
  const sinks = {
    1: options.stdout ?? ((line) => console.log(line)),
    2: options.stderr ?? ((line) => console.error(line)),
  };
  const pending = { 1: '', 2: '' };
  const decoder = new TextDecoder();
  let memory = null;
  // Memory growth detaches old views, so every call takes fresh ones.
  const view = () => new DataView(memory.buffer);
  const bytes = (ptr, len) => new Uint8Array(memory.buffer, ptr, len);

  // The module gets no arguments and no environment: both lists are zero
  // entries of zero bytes.
  const emptyListSizes = (countPtr, bufSizePtr) => {
    const v = view();
    v.setUint32(countPtr, 0, true);
    v.setUint32(bufSizePtr, 0, true);
    return ESUCCESS;
  };

  const calls = {
    args_get: () => ESUCCESS,
    args_sizes_get: emptyListSizes,
    environ_get: () => ESUCCESS,
    environ_sizes_get: emptyListSizes,
    clock_res_get(id, resPtr) {
      view().setBigUint64(resPtr, 1000n, true);
      return ESUCCESS;
    },
    clock_time_get(id, _precision, outPtr) {
      const ns = id === CLOCK_REALTIME
        ? BigInt(Date.now()) * 1000000n
        : BigInt(Math.round(performance.now() * 1e6));
      view().setBigUint64(outPtr, ns, true);
      return ESUCCESS;
    },
    random_get(ptr, len) {
      // getRandomValues fills at most 64 KiB per call.
      for (let off = 0; off < len; off += 65536) {
        crypto.getRandomValues(bytes(ptr + off, Math.min(65536, len - off)));
      }
      return ESUCCESS;
    },
    fd_write(fd, iovs, iovsLen, nwrittenPtr) {
      if (fd !== 1 && fd !== 2) return EBADF;
      const v = view();
      let written = 0;
      for (let i = 0; i < iovsLen; i++) {
        const ptr = v.getUint32(iovs + i * 8, true);
        const len = v.getUint32(iovs + i * 8 + 4, true);
        pending[fd] += decoder.decode(bytes(ptr, len), { stream: true });
        written += len;
      }
      let nl;
      while ((nl = pending[fd].indexOf('\n')) >= 0) {
        sinks[fd](pending[fd].slice(0, nl));
        pending[fd] = pending[fd].slice(nl + 1);
      }
      view().setUint32(nwrittenPtr, written, true);
      return ESUCCESS;
    },
    fd_fdstat_get(fd, ptr) {
      if (fd > 2) return EBADF;
      const v = view();
      v.setUint8(ptr, FILETYPE_CHARACTER_DEVICE);
      v.setUint16(ptr + 2, 0, true);
      v.setBigUint64(ptr + 8, 0n, true);
      v.setBigUint64(ptr + 16, 0n, true);
      return ESUCCESS;
    },
    fd_fdstat_set_flags: (fd) => (fd > 2 ? EBADF : ESUCCESS),
    fd_prestat_get: () => EBADF, // no preopened directories
    fd_prestat_dir_name: () => EBADF,
    fd_close: () => EBADF,
    sched_yield: () => ESUCCESS,
    poll_oneoff(inPtr, outPtr, nsubs, neventsPtr) {
      // Nothing here can block, so every subscription (Go only subscribes to
      // clocks, to sleep) is reported as already due.
      if (nsubs === 0) return EINVAL;
      const v = view();
      for (let i = 0; i < nsubs; i++) {
        const sub = inPtr + i * 48;
        const ev = outPtr + i * 32;
        v.setBigUint64(ev, v.getBigUint64(sub, true), true); // userdata
        v.setUint16(ev + 8, ESUCCESS, true); // error
        v.setUint8(ev + 10, v.getUint8(sub + 8)); // type
      }
      v.setUint32(neventsPtr, nsubs, true);
      return ESUCCESS;
    },
    proc_exit(code) {
      throw new WasiExit(code);
    },
  };

  // A Proxy so that an import a future Go release adds links and answers
  // ENOSYS instead of failing instantiation with a LinkError.
  const wasi = new Proxy(calls, {
    get: (target, name) => (name in target ? target[name] : () => ENOSYS),
    has: () => true,
  });
  return {
    imports: { wasi_snapshot_preview1: wasi },
    bind(mem) {
      memory = mem;
    },
  };
}

export const errno = { ESUCCESS, EBADF, EINVAL, ENOSYS };
