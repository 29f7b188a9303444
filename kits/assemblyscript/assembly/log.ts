// The `lockstep.log` import, and an abort handler built on it.

@external("lockstep", "log")
declare function lockstep_log(ptr: usize, len: usize): void;

/** Appends one line to this bot's log. Costs 1,000 fuel a call: log sparingly. */
export function log(text: string): void {
  const bytes = String.UTF8.encode(text);
  lockstep_log(changetype<usize>(bytes), bytes.byteLength);
}

/**
 * An alternative to AssemblyScript's default `abort`, which is the import
 * `env.abort`. Unused by default; build with
 * `--use abort=assembly/log/abortToLog` for a host that refuses `env.abort`.
 * A failed check (index out of range, a null, `assert`) then logs where it
 * happened and traps: the host records the call as `trap: unreachable` and
 * the message is in the bot's log instead of in the trap.
 */
export function abortToLog(
  message: string | null,
  fileName: string | null,
  line: u32,
  column: u32,
): void {
  const what = message === null ? "abort" : message;
  const where = fileName === null ? "?" : fileName;
  log("abort: " + what + " at " + where + ":" + line.toString() + ":" + column.toString());
  unreachable();
}
