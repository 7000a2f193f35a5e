import { createRequire } from "node:module";
import { symbols } from "pino";

/** Node's `fs` as sonic-boom sees it (its CommonJS `require("fs")`): the one object whose `writeSync` it calls. */
const fs = createRequire(import.meta.url)("node:fs") as { writeSync: (...args: unknown[]) => number };

/** Destinations already watched: one 'error' listener and one exit guard per stream, however many handlers. */
const watched = new WeakSet<object>();

/** Errors a retry can get past (sonic-boom retries these itself). */
const RETRYABLE = new Set(["EAGAIN", "EBUSY"]);

interface Destination {
  on?: (event: string, listener: (error: unknown) => void) => unknown;
  flushSync?: (...args: unknown[]) => unknown;
}

function byteLength(value: unknown): number {
  if (typeof value === "string") return Buffer.byteLength(value);
  if (value instanceof Uint8Array) return value.byteLength;
  return 0;
}

/**
 * Runs a destination's `flushSync()` so that it cannot spin forever. sonic-boom 4 (what pino 10 uses) retries
 * every failed write in `flushSync()` except EAGAIN/EBUSY refused by its policy, so a write that can never succeed
 * (ENOSPC on a full disk, EPIPE, EIO) loops without end, and pino calls `flushSync()` from its exit handler: the
 * process never exits. While it runs, the first write that fails for good makes every later write of that flush
 * count as done (the data is dropped, and the number of bytes is reported) so the loop ends.
 */
function boundedFlushSync(
  original: (...args: unknown[]) => unknown,
  destination: object,
  args: unknown[],
  report: (error: unknown) => void,
): unknown {
  const writeSync = fs.writeSync;
  let failure: unknown;
  let dropped = 0;
  fs.writeSync = (...writeArgs: unknown[]) => {
    if (failure === undefined) {
      try {
        return writeSync(...writeArgs);
      } catch (error) {
        const code = (error as { code?: unknown } | null)?.code;
        if (typeof code === "string" && RETRYABLE.has(code)) throw error;
        failure = error;
      }
    }
    const length = byteLength(writeArgs[1]);
    dropped += length;
    return length;
  };
  try {
    return original.apply(destination, args);
  } finally {
    fs.writeSync = writeSync;
    if (failure !== undefined) {
      const error = failure instanceof Error ? failure : new Error(String(failure));
      error.message = `${error.message} (flushSync dropped ${dropped} bytes of log records that could not be written)`;
      report(error);
    }
  }
}

/**
 * Watches the pino logger's destination: an asynchronous failure (a full disk, a closed pipe) emits 'error',
 * which with no listener would crash the process, so it is reported through `report` instead; and its
 * `flushSync()` (called by pino at exit) is bounded, so a destination that fails for good cannot hang exit.
 */
export function watchDestination(logger: unknown, report: (method: string, error: unknown) => void): void {
  const destination = (logger as Record<symbol, unknown>)[symbols.streamSym];
  if (typeof destination !== "object" || destination === null || watched.has(destination)) return;
  watched.add(destination);
  const stream = destination as Destination;
  if (typeof stream.on === "function") stream.on("error", (error) => report("destination", error));
  const original = stream.flushSync;
  if (typeof original === "function") {
    stream.flushSync = (...args: unknown[]) =>
      boundedFlushSync(original, destination, args, (error) => report("destination:flushSync", error));
  }
}
