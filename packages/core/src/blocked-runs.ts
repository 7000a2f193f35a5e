/**
 * Runs a handler stopped at their start (a `RunBlockedError` from a start hook of a handler built with
 * `raiseError: true`). LangChain then rejects the call and sends no end or error event to any handler, so the
 * other handlers that saw the start would hold the run (and count it in flight) until eviction. The blocking
 * handler records the block here; every chainwatch handler settles the run as an error when it learns of it: at
 * its own start of that run when the block came first, else at its next sweep (its next start, a scrape).
 *
 * Process-wide, under a global symbol so that two copies of this package share it, and bounded to the last
 * {@link CAPACITY} blocks: a handler that learns of a block only after more than that many others falls back to
 * eviction, as before.
 */
import type { RunBlockedError } from "./guard.js";

const CAPACITY = 1_024;

interface BlockedRunLog {
  /** Blocks recorded since the process started; the next one goes into slot `sequence % CAPACITY`. */
  sequence: number;
  readonly ids: (string | undefined)[];
  readonly errors: Map<string, RunBlockedError>;
}

const KEY = Symbol.for("@chainwatch/core.blockedRuns");

function blockedRunLog(): BlockedRunLog {
  const holder = globalThis as { [KEY]?: BlockedRunLog };
  let log = holder[KEY];
  if (log === undefined) {
    log = { sequence: 0, ids: new Array<string | undefined>(CAPACITY), errors: new Map() };
    holder[KEY] = log;
  }
  return log;
}

/** Records that the call with this run id was refused at its start and will get no end event. */
export function recordBlockedRun(runId: string, error: RunBlockedError): void {
  const log = blockedRunLog();
  // Two handlers refusing the same call: the first refusal is the one the others are told.
  if (log.errors.has(runId)) return;
  const slot = log.sequence % CAPACITY;
  const overwritten = log.ids[slot];
  if (overwritten !== undefined) log.errors.delete(overwritten);
  log.ids[slot] = runId;
  log.errors.set(runId, error);
  log.sequence++;
}

/** The error that refused this run, if it was refused recently. */
export function blockedRunError(runId: string): RunBlockedError | undefined {
  return blockedRunLog().errors.get(runId);
}

/** Where the log stands now: a reader built now has nothing older to catch up on. */
export function blockedRunSequence(): number {
  return blockedRunLog().sequence;
}

/**
 * Calls `visit` for every block recorded since `cursor` (still remembered), oldest first, and returns the new
 * cursor. O(1) when nothing was blocked since.
 */
export function blockedRunsSince(
  cursor: number,
  visit: (runId: string, error: RunBlockedError) => void,
): number {
  const log = blockedRunLog();
  const end = log.sequence;
  for (let index = Math.max(cursor, end - CAPACITY); index < end; index++) {
    const runId = log.ids[index % CAPACITY];
    const error = runId === undefined ? undefined : log.errors.get(runId);
    if (runId !== undefined && error !== undefined) visit(runId, error);
  }
  return end;
}
