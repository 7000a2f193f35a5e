import { blockedRunSequence, blockedRunsSince, isBlockedRun } from "./blocked-runs.js";
import type { EvictionReason, RunStart, RunTrackerOptions, RunType, TrackedRun } from "./run-types.js";

export type { EvictionReason, RunStart, RunTrackerOptions, RunType, TrackedRun } from "./run-types.js";

/** The tracker's own bookkeeping on a run (not part of the public record). */
interface Entry<State> extends TrackedRun<State> {
  evicted: EvictionReason | undefined;
  /** Clock reading when the run entered (or re-entered) the back of the eviction queue. */
  queuedAt: number;
  /** Children started and not yet ended or evicted: a parent waiting on a live child is not idle. */
  liveChildren: number;
  /** A token (or other output) arrived: from then on the run idles on `ttlMs`, not `inFlightTtlMs`. */
  outputSeen: boolean;
}

/** Runs that wait on one request or call and produce nothing until it answers (unless they stream). */
const AWAITED: Readonly<Record<RunType, boolean>> = {
  llm: true,
  tool: true,
  retriever: true,
  chain: false,
  prompt: false,
};

const EMPTY_TAGS: readonly string[] = Object.freeze([]);
const EMPTY_METADATA: Readonly<Record<string, unknown>> = Object.freeze({});

function nonNegativeInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`RunTracker: ${name} must be a non-negative integer, got ${String(value)}`);
  }
  return value;
}

function positiveOption(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`RunTracker: ${name} must be a positive finite number, got ${String(value)}`);
  }
  return value;
}

/**
 * Per-run state keyed by run id, with bounded memory.
 *
 * Runs are dropped on `end()`/`settle()`. Runs that never end are evicted once idle: a call in flight (no token
 * yet) after `inFlightTtlMs`, a run whose consumer is gone (tokens, then silence) or a chain with no live child
 * after `ttlMs`; a parent with a live child is never idle. Past `maxRuns` the least recently queued run is
 * evicted whatever its state. Evicted runs are remembered (up to `maxEvicted`) so a late end is still delivered.
 *
 * A Map keeps the runs in queue order; a run that is checked and found still alive is moved to the back, and a
 * sweep stops at the first run not yet due, so eviction is amortised O(1): a run is re-checked when its bound
 * runs out (a parent with live children: every `ttlMs`). A run is evicted at its bound, or at most one `ttlMs`
 * later when runs queued ahead of it are not due yet.
 */
export class RunTracker<State = unknown> {
  readonly maxRuns: number;
  readonly ttlMs: number;
  readonly inFlightTtlMs: number;
  readonly maxEvicted: number;
  /** Whether model runs can be told apart as in flight (no token yet) or streaming. */
  readonly observesTokens: boolean;
  private readonly now: () => number;
  private readonly onEvict: ((run: TrackedRun<State>, reason: EvictionReason) => void) | undefined;
  /** How far this tracker has read the process-wide record of refused runs. */
  private blockedCursor = blockedRunSequence();
  private readonly runs = new Map<string, Entry<State>>();
  /** Recently evicted runs, oldest first, for late ends. */
  private readonly recentlyEvicted = new Map<string, Entry<State>>();
  private evictedCount = 0;

  constructor(options: RunTrackerOptions<State> = {}) {
    this.maxRuns = Math.floor(positiveOption("maxRuns", options.maxRuns, 10_000));
    this.ttlMs = positiveOption("ttlMs", options.ttlMs, 600_000);
    this.inFlightTtlMs = positiveOption(
      "inFlightTtlMs",
      options.inFlightTtlMs,
      Math.max(this.ttlMs, 600_000),
    );
    if (this.inFlightTtlMs < this.ttlMs) {
      throw new RangeError(
        `RunTracker: inFlightTtlMs (${this.inFlightTtlMs}) must not be shorter than ttlMs (${this.ttlMs})`,
      );
    }
    this.maxEvicted = nonNegativeInteger("maxEvicted", options.maxEvicted, 1_000);
    this.observesTokens = options.observesTokens ?? false;
    this.now = options.now ?? (() => performance.now());
    this.onEvict = options.onEvict;
  }

  /** Runs held now (after evicting idle ones). */
  get size(): number {
    this.sweep();
    return this.runs.size;
  }

  /** Runs evicted without an end event since construction. */
  get evicted(): number {
    return this.evictedCount;
  }

  /** Evicted runs remembered for a late end or error. */
  get recentlyEvictedCount(): number {
    return this.recentlyEvicted.size;
  }

  /** Current clock reading. */
  time(): number {
    return this.now();
  }

  /** Records a run's start and returns its record. A second start with the same id replaces the first. */
  start(start: RunStart<State>): TrackedRun<State> {
    const time = this.now();
    this.sweepAt(time);
    const parent = start.parentRunId === undefined ? undefined : this.runs.get(start.parentRunId);
    if (parent !== undefined) {
      parent.liveChildren++;
      parent.lastSeen = time;
    }
    const run: Entry<State> = {
      runId: start.runId,
      parentRunId: start.parentRunId,
      traceId: parent ? parent.traceId : (start.parentRunId ?? start.runId),
      depth: parent ? parent.depth + 1 : start.parentRunId === undefined ? 0 : 1,
      runType: start.runType,
      name: start.name ?? start.runType,
      tags: start.tags ?? EMPTY_TAGS,
      metadata: start.metadata ?? EMPTY_METADATA,
      model: start.model,
      provider: start.provider,
      startTime: time,
      firstTokenTime: undefined,
      lastSeen: time,
      evicted: undefined,
      state: start.state,
      queuedAt: time,
      liveChildren: 0,
      outputSeen: false,
    };
    const replaced = this.runs.get(start.runId);
    if (replaced !== undefined) {
      this.runs.delete(start.runId);
      this.release(replaced);
    }
    this.runs.set(start.runId, run);
    if (this.runs.size > this.maxRuns) this.evictOldest("capacity");
    return run;
  }

  /** The run with this id, if held. */
  get(runId: string): TrackedRun<State> | undefined {
    return this.runs.get(runId);
  }

  /**
   * Marks output on a run (a token): it is no longer waiting on its request, and from now on idles on `ttlMs`.
   * Cheap enough for the token path.
   */
  touch(run: TrackedRun<State>): void {
    run.lastSeen = this.now();
    (run as Entry<State>).outputSeen = true;
  }

  /**
   * Records the first token that carries content (and marks output, as {@link touch}); later calls keep the
   * first reading. Returns true the first time only.
   */
  markFirstToken(run: TrackedRun<State>): boolean {
    const time = this.now();
    run.lastSeen = time;
    (run as Entry<State>).outputSeen = true;
    if (run.firstTokenTime !== undefined) return false;
    run.firstTokenTime = time;
    return true;
  }

  /** Removes and returns a held run (on its end or error event); undefined for a run evicted earlier. */
  end(runId: string): TrackedRun<State> | undefined {
    const run = this.runs.get(runId);
    if (run === undefined) return undefined;
    this.runs.delete(runId);
    this.release(run);
    return run;
  }

  /**
   * Removes and returns the run on its end or error event: a held run, or one evicted recently, returned with
   * `run.evicted` set so the end is still counted (a slow call evicted as abandoned, then answered).
   */
  settle(runId: string): TrackedRun<State> | undefined {
    const run = this.end(runId);
    if (run !== undefined) return run;
    const late = this.recentlyEvicted.get(runId);
    if (late !== undefined) this.recentlyEvicted.delete(runId);
    return late;
  }

  /** Evicts the runs idle past their bound. */
  sweep(): void {
    this.sweepAt(this.now());
  }

  /** Iterates over the runs held (no sweep). */
  values(): IterableIterator<TrackedRun<State>> {
    return this.runs.values();
  }

  /** Drops every run, and the record of evicted ones, without calling `onEvict`. */
  clear(): void {
    this.runs.clear();
    this.recentlyEvicted.clear();
  }

  /** A run that ends or is evicted no longer keeps its parent waiting; its end is the parent's activity. */
  private release(run: Entry<State>): void {
    if (run.parentRunId === undefined) return;
    const parent = this.runs.get(run.parentRunId);
    if (parent === undefined || parent.liveChildren === 0) return;
    parent.liveChildren--;
    parent.lastSeen = this.now();
  }

  /** How long this run may stay silent: long for a call in flight, short otherwise. */
  private boundOf(run: Entry<State>): number {
    const awaited = run.runType === "llm" ? this.observesTokens : AWAITED[run.runType];
    return awaited && !run.outputSeen ? this.inFlightTtlMs : this.ttlMs;
  }

  private sweepAt(time: number): void {
    this.evictBlockedSince();
    const horizon = time - this.ttlMs;
    // Bounded by the map size: every run is either evicted or moved behind the ones still to check.
    let budget = this.runs.size;
    for (const run of this.runs.values()) {
      if (budget-- <= 0 || run.queuedAt > horizon) break;
      if (run.liveChildren === 0 && time - run.lastSeen >= this.boundOf(run)) {
        this.evict(run, "ttl");
      } else {
        // Still alive (active, in flight, or waiting on a child): to the back of the queue, due again when its
        // bound runs out (a parent: in ttlMs). Always past the horizon, so one sweep never meets it twice.
        this.runs.delete(run.runId);
        run.queuedAt =
          run.liveChildren > 0 ? time : Math.min(time, run.lastSeen + this.boundOf(run) - this.ttlMs);
        this.runs.set(run.runId, run);
      }
    }
  }

  /**
   * Evicts the run (reason `"blocked"`) if another handler refused it at its start: LangChain sends a refused call
   * no end or error event, for any handler. Called after a run's start hook, for a refusal that came before this
   * tracker saw the start; refusals that come after are found at the next sweep. Returns whether it did.
   */
  evictBlocked(runId: string): boolean {
    const run = this.runs.get(runId);
    if (run === undefined || !isBlockedRun(runId)) return false;
    this.evict(run, "blocked");
    return true;
  }

  /** Evicts the held runs that another handler refused since the last sweep. */
  private evictBlockedSince(): void {
    this.blockedCursor = blockedRunsSince(this.blockedCursor, (runId) => {
      const run = this.runs.get(runId);
      if (run !== undefined) this.evict(run, "blocked");
    });
  }

  private evictOldest(reason: EvictionReason): void {
    const oldest = this.runs.values().next();
    if (!oldest.done) this.evict(oldest.value, reason);
  }

  private evict(run: Entry<State>, reason: EvictionReason): void {
    this.runs.delete(run.runId);
    this.release(run);
    this.evictedCount++;
    run.evicted = reason;
    // A refused call gets no late end either: only runs whose end may still come are remembered.
    if (this.maxEvicted > 0 && reason !== "blocked") {
      this.recentlyEvicted.delete(run.runId);
      this.recentlyEvicted.set(run.runId, run);
      if (this.recentlyEvicted.size > this.maxEvicted) {
        const oldest = this.recentlyEvicted.keys().next();
        if (!oldest.done) this.recentlyEvicted.delete(oldest.value);
      }
    }
    this.onEvict?.(run, reason);
  }
}
