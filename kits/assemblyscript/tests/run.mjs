// Runs the AssemblyScript checks in tests/codec.ts: `node tests/run.mjs tests.wasm`.
// Node provides the imports a Lockstep host would: `lockstep.log` (printed)
// and AssemblyScript's `env.abort` (thrown, with its message).
import { readFileSync } from "node:fs";

const bytes = readFileSync(process.argv[2]);
let memory;
const utf8 = new TextDecoder();
const utf16 = new TextDecoder("utf-16le");

/** An AssemblyScript string: UTF-16, its byte length in the 4 bytes before it. */
function asString(ptr) {
  if (!ptr) return "null";
  const len = new Uint32Array(memory.buffer, ptr - 4, 1)[0];
  return utf16.decode(new Uint8Array(memory.buffer, ptr, len));
}

const { instance } = await WebAssembly.instantiate(bytes, {
  lockstep: {
    log(ptr, len) {
      console.log(utf8.decode(new Uint8Array(memory.buffer, ptr >>> 0, len >>> 0)));
    },
  },
  env: {
    abort(message, file, line, column) {
      throw new Error(`abort: ${asString(message)} at ${asString(file)}:${line}:${column}`);
    },
  },
});
memory = instance.exports.memory;
process.exit(instance.exports.run() === 0 ? 0 : 1);
