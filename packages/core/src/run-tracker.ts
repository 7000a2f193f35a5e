/** The kinds of run LangChain reports to a callback handler. `prompt` is a prompt-template chain. */
export type RunType = "llm" | "chain" | "prompt" | "tool" | "retriever";

/** What a handler knows about a run from its start event, plus the handler's own per-run state. */
export interface TrackedRun<State = unknown> {
  readonly runId: string;
  readonly parentRunId: string | undefined;
  /** The root run of the tree this run belongs to (the parent's trace when the parent was seen). */
  readonly traceId: string;
  /** 0 for a root run; a parent this tracker never saw counts as one level. */
  readonly depth: number;
  readonly runType: RunType;
  /** Run name, else the serialized class name (`ChatOpenAI`), else the run type. */
  readonly name: string;
  readonly tags: readonly string[];
  readonly metadata: Readonly<Record<string, unknown>>;
  /** Requested model (LLM runs). */
  model: string | undefined;
  /** Provider, from `ls_provider` or the model class. */
  provider: string | undefined;
  /** Clock reading at start, in milliseconds. */
  readonly startTime: number;
  /** Clock reading at the first token carrying content or a tool-call delta. */
  firstTokenTime: number | undefined;
  /** Clock reading of the last activity; eviction keys on it. */
  lastSeen: number;
  /** The handler's own per-run data. */
  state: State;
}

/** What a start event tells the tracker. */
export interface RunStart<State> {
  runId: string;
  parentRunId?: string | undefined;
  runType: RunType;
  name?: string | undefined;
  tags?: readonly string[] | undefined;
  metadata?: Readonly<Record<string, unknown>> | undefined;
  model?: string | undefined;
  provider?: string | undefined;
  state: State;
}

/** Why a run left the tracker without an end event. */
export type EvictionReason = "ttl" | "capacity";

/** Options of {@link RunTracker}. */
export interface RunTrackerOptions<State = unknown> {
  /**
   * The most runs held at once; past it the least recently active run is evicted.
   * @default 10000
   */
  maxRuns?: number;
  /**
   * A run with no activity for this long is evicted: a consumer that breaks out of a stream fires no end event.
   * @default 600000 (10 minutes)
   */
  ttlMs?: number;
  /**
   * Monotonic clock in milliseconds.
   * @default performance.now
   */
  now?: () => number;
  /** Called for each run evicted without an end event (for example to bring an in-flight gauge down). */
  onEvict?: (run: TrackedRun<State>, reason: EvictionReason) => void;
}

const EMPTY_TAGS: readonly string[] = Object.freeze([]);
const EMPTY_METADATA: Readonly<Record<string, unknown>> = Object.freeze({});

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
 * Runs are dropped on `end()`; runs that never end are evicted once idle for `ttlMs`, and the least recently
 * active run is evicted when `maxRuns` is reached. A Map keeps insertion order, and every touch re-inserts
 * lazily (only when the sweep meets a run that is still active), so eviction is amortised O(1).
 */
export class RunTracker<State = unknown> {
  readonly maxRuns: number;
  readonly ttlMs: number;
  private readonly now: () => number;
  private readonly onEvict: ((run: TrackedRun<State>, reason: EvictionReason) => void) | undefined;
  private readonly runs = new Map<string, TrackedRun<State>>();
  private evictedCount = 0;

  constructor(options: RunTrackerOptions<State> = {}) {
    this.maxRuns = Math.floor(positiveOption("maxRuns", options.maxRuns, 10_000));
    this.ttlMs = positiveOption("ttlMs", options.ttlMs, 600_000);
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

  /** Current clock reading. */
  time(): number {
    return this.now();
  }

  /** Records a run's start and returns its record. A second start with the same id replaces the first. */
  start(start: RunStart<State>): TrackedRun<State> {
    const time = this.now();
    this.sweepAt(time);
    const parent = start.parentRunId === undefined ? undefined : this.runs.get(start.parentRunId);
    // A child's activity keeps its ancestors alive; the walk is bounded in case of malformed parent ids.
    let ancestor = parent;
    for (let hops = 0; ancestor !== undefined && hops < 64; hops++) {
      ancestor.lastSeen = time;
      ancestor = ancestor.parentRunId === undefined ? undefined : this.runs.get(ancestor.parentRunId);
    }
    const run: TrackedRun<State> = {
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
      state: start.state,
    };
    this.runs.delete(start.runId);
    this.runs.set(start.runId, run);
    if (this.runs.size > this.maxRuns) this.evictOldest("capacity");
    return run;
  }

  /** The run with this id, if held. */
  get(runId: string): TrackedRun<State> | undefined {
    return this.runs.get(runId);
  }

  /** Marks activity on a run so an active long stream is not evicted. Cheap enough for the token path. */
  touch(run: TrackedRun<State>): void {
    run.lastSeen = this.now();
  }

  /**
   * Records the first token that carries content; later calls keep the first reading.
   * Returns true the first time only.
   */
  markFirstToken(run: TrackedRun<State>): boolean {
    const time = this.now();
    run.lastSeen = time;
    if (run.firstTokenTime !== undefined) return false;
    run.firstTokenTime = time;
    return true;
  }

  /** Removes and returns the run (on its end or error event). */
  end(runId: string): TrackedRun<State> | undefined {
    const run = this.runs.get(runId);
    if (run) this.runs.delete(runId);
    return run;
  }

  /** Evicts the runs idle for longer than `ttlMs`. */
  sweep(): void {
    this.sweepAt(this.now());
  }

  /** Iterates over the runs held (no sweep). */
  values(): IterableIterator<TrackedRun<State>> {
    return this.runs.values();
  }

  /** Drops every run without calling `onEvict`. */
  clear(): void {
    this.runs.clear();
  }

  private sweepAt(time: number): void {
    const deadline = time - this.ttlMs;
    // Bounded by the map size: every run is either evicted or moved behind the ones still to check.
    let budget = this.runs.size;
    for (const run of this.runs.values()) {
      if (budget-- <= 0) break;
      if (run.lastSeen > deadline) {
        if (run.startTime > deadline) break;
        // Started long ago but still active: move it to the back, in activity order.
        this.runs.delete(run.runId);
        this.runs.set(run.runId, run);
        continue;
      }
      this.evict(run, "ttl");
    }
  }

  private evictOldest(reason: EvictionReason): void {
    const oldest = this.runs.values().next();
    if (!oldest.done) this.evict(oldest.value, reason);
  }

  private evict(run: TrackedRun<State>, reason: EvictionReason): void {
    this.runs.delete(run.runId);
    this.evictedCount++;
    this.onEvict?.(run, reason);
  }
}
