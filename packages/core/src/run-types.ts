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
  /**
   * Set when the run was evicted without an end event. A late end or error of a recently evicted run is still
   * delivered (see {@link RunTracker.settle}): then the end or error hook sees the run with this set.
   */
  readonly evicted: EvictionReason | undefined;
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

/**
 * Why a run left the tracker without an end event: idle past its bound (`ttl`), pushed out by `maxRuns`
 * (`capacity`), or refused at its start by another handler (`blocked`: LangChain sends such a run no end event).
 */
export type EvictionReason = "ttl" | "capacity" | "blocked";

/** Options of {@link RunTracker}. */
export interface RunTrackerOptions<State = unknown> {
  /**
   * The most runs held at once; past it the least recently active run is evicted.
   * @default 10000
   */
  maxRuns?: number;
  /**
   * A run with no activity for this long is evicted: a consumer that breaks out of a stream fires no end event.
   * Applies to chains with no live child and to model calls that have started streaming (tokens, then silence:
   * the consumer is gone). A run is evicted within one `ttlMs` after its bound.
   * @default 600000 (10 minutes)
   */
  ttlMs?: number;
  /**
   * How long a call in flight is kept: a model, tool or retriever run that started and has produced no token
   * yet is waiting on its request, not idle. Never shorter than `ttlMs`. The default is the OpenAI SDK's own
   * request timeout; a call that outlives it anyway (retries) is still delivered late (`maxEvicted`), and
   * `maxRuns` bounds memory whatever this is. Model calls get this bound only when the tracker observes tokens
   * (`observesTokens`).
   * @default max(ttlMs, 600000)
   */
  inFlightTtlMs?: number;
  /**
   * Whether the tracker is told about every token, empty ones included (`touch`, `markFirstToken`). Only then can
   * it tell a slow model call (no token yet: held for `inFlightTtlMs`) from an abandoned stream; with `false`,
   * model runs idle on `ttlMs`, and a slow call evicted that way is still delivered late (`maxEvicted`). Tool and
   * retriever calls keep the in-flight bound either way. `ChainwatchCallbackHandler` sets it to whether the
   * handler listens to tokens.
   * @default false
   */
  observesTokens?: boolean;
  /**
   * How many evicted runs are remembered so that a late end or error is still delivered, with `run.evicted` set
   * (a slow call that outlived its bound is still charged and counted). 0 turns late delivery off.
   * @default 1000
   */
  maxEvicted?: number;
  /**
   * Monotonic clock in milliseconds.
   * @default performance.now
   */
  now?: () => number;
  /**
   * Called for each run evicted without an end event (for example to bring an in-flight gauge down), including a
   * run another handler refused at its start (`"blocked"`, see {@link RunTracker.evictBlocked}).
   */
  onEvict?: (run: TrackedRun<State>, reason: EvictionReason) => void;
}
