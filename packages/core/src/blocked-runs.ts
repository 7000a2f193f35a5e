/**
 * Runs a handler stopped at their start (a `RunBlockedError` from a start hook of a handler built with
 * `raiseError: true`). LangChain then rejects the call and sends no end or error event to any handler, so the
 * other handlers that saw the start would hold the run (and count it in flight) until its TTL. The refusing
 * handler records the run id here; every run tracker evicts that run (reason `"blocked"`) when it learns of it:
 * after its own start hook when the refusal came first, else at its next sweep (its next start, a scrape).
 *
 * Process-wide, under a global symbol so that two copies of this package share it, and bounded to the last
 * {@link CAPACITY} refusals (run ids only): a tracker that learns of a refusal only after more than that many
 * others falls back to its TTL, as before.
 */

const CAPACITY = 1_024;

interface BlockedRunLog {
  /** Refusals recorded since the process started; the next one goes into slot `sequence % CAPACITY`. */
  sequence: number;
  readonly ids: (string | undefined)[];
  readonly held: Set<string>;
}

const KEY = Symbol.for("@chainwatch/core.blockedRuns");

function blockedRunLog(): BlockedRunLog {
  const holder = globalThis as { [KEY]?: BlockedRunLog };
  let log = holder[KEY];
  if (log === undefined) {
    log = { sequence: 0, ids: new Array<string | undefined>(CAPACITY), held: new Set() };
    holder[KEY] = log;
  }
  return log;
}

/** Records that the call with this run id was refused at its start and will get no end event. */
export function recordBlockedRun(runId: string): void {
  const log = blockedRunLog();
  // Two handlers refusing the same call: one record.
  if (log.held.has(runId)) return;
  const slot = log.sequence % CAPACITY;
  const overwritten = log.ids[slot];
  if (overwritten !== undefined) log.held.delete(overwritten);
  log.ids[slot] = runId;
  log.held.add(runId);
  log.sequence++;
}

/** Whether this run was refused at its start (recently). */
export function isBlockedRun(runId: string): boolean {
  return blockedRunLog().held.has(runId);
}

/** Where the record stands now: a reader built now has nothing older to catch up on. */
export function blockedRunSequence(): number {
  return blockedRunLog().sequence;
}

/**
 * Calls `visit` with every run id recorded since `cursor` (and still held), oldest first, and returns the new
 * cursor. O(1) when nothing was refused since.
 */
export function blockedRunsSince(cursor: number, visit: (runId: string) => void): number {
  const log = blockedRunLog();
  const end = log.sequence;
  for (let index = Math.max(cursor, end - CAPACITY); index < end; index++) {
    const runId = log.ids[index % CAPACITY];
    if (runId !== undefined) visit(runId);
  }
  return end;
}
