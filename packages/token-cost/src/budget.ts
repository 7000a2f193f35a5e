import type { TrackedRun } from "@chainwatch/core";
import { type BudgetDecision, BudgetDecisionListeners, type BudgetLimitKind } from "./budget-decision.js";
import { BudgetExceededError, defaultReport, limit, positive, windowMs } from "./budget-options.js";
import {
  type BudgetReserveResult,
  type BudgetStore,
  BudgetStoreError,
  MemoryBudgetStore,
  withTimeout,
} from "./budget-store.js";
import type { BudgetAction, BudgetEvent, BudgetOptions } from "./types.js";

export { BudgetExceededError };

/** One reservation held for a call in flight. */
export interface Hold {
  store: BudgetStore;
  key: string;
  keyTtlMs: number | undefined;
  amountUsd: number;
  limit: BudgetLimitKind;
  limitUsd: number;
  /** The scope a `total` hold is charged to (the `scope` function's answer, without the window). */
  scope: string | undefined;
  /** True while the store holds the amount for this call (false in warn mode over the limit, and once dropped). */
  open: boolean;
}

function isThenable<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

/**
 * The budget rules of one handler. Before a call leaves, the most it can cost is reserved against each limit
 * (the trace's, in this process; the scope's total, in `store`); the call is refused when it does not fit. The
 * reservation is settled to the real cost at the end, released on error, and expires if the call is abandoned.
 */
export class Budget {
  readonly perTraceUsd: number | undefined;
  readonly totalUsd: number | undefined;
  readonly action: BudgetAction;
  /** Output tokens to reserve without a request `max_tokens`; Infinity when not configured (nothing reserved). */
  readonly maxOutputTokens: number;
  private readonly windowMs: number | undefined;
  private readonly scope: ((run: TrackedRun<unknown>) => string) | undefined;
  private readonly store: BudgetStore;
  /** A run tree lives in one process, so per-trace limits never need a shared store. */
  private readonly traceStore: MemoryBudgetStore;
  private readonly allowOnStoreError: boolean;
  private readonly storeTimeoutMs: number;
  private readonly reservationTtlMs: number;
  private readonly report: ((event: BudgetEvent) => void) | undefined;
  private readonly reported = new Set<string>();
  /** Who is told of every reservation, settlement, release and refusal (metrics, logs). */
  readonly decisions: BudgetDecisionListeners;

  constructor(
    options: BudgetOptions | undefined,
    private readonly maxReported: number,
    private readonly onOwnError: (where: string, error: unknown) => void,
  ) {
    if (options !== undefined && (typeof options !== "object" || options === null)) {
      throw new TypeError(`budget must be an object, got ${String(options)}`);
    }
    this.perTraceUsd = limit("perTraceUsd", options?.perTraceUsd);
    this.totalUsd = limit("totalUsd", options?.totalUsd);
    const action = options?.onExceed ?? "throw";
    if (action !== "throw" && action !== "warn") {
      throw new RangeError(`budget.onExceed must be "throw" or "warn", got ${String(action)}`);
    }
    this.action = action;
    // In throw mode the BudgetExceededError the caller gets is the report: a process warning would say it twice.
    this.report = options?.onBudgetExceeded ?? (action === "warn" ? defaultReport : undefined);
    this.windowMs = windowMs(options?.window);
    if (options?.scope !== undefined && typeof options.scope !== "function") {
      throw new TypeError(`budget.scope must be a function of the run, got ${String(options.scope)}`);
    }
    this.scope = options?.scope;
    const store = options?.store;
    if (
      store !== undefined &&
      (typeof store !== "object" || store === null || typeof store.reserve !== "function")
    ) {
      throw new TypeError(
        `budget.store must be a BudgetStore (reserve, settle, release, read), got ${String(store)}`,
      );
    }
    this.store = store ?? new MemoryBudgetStore();
    this.traceStore = new MemoryBudgetStore(maxReported);
    const onStoreError = options?.onStoreError ?? "deny";
    if (onStoreError !== "deny" && onStoreError !== "allow") {
      throw new RangeError(`budget.onStoreError must be "deny" or "allow", got ${String(onStoreError)}`);
    }
    this.allowOnStoreError = onStoreError === "allow";
    this.storeTimeoutMs = positive("storeTimeoutMs", options?.storeTimeoutMs, 250);
    this.reservationTtlMs = positive("reservationTtlMs", options?.reservationTtlMs, 600_000);
    // No default: reserving thousands of output tokens by default would refuse the first call of small budgets that
    // worked before reservations. Without it (and without max_tokens) only the prompt is held.
    this.maxOutputTokens = positive("maxOutputTokens", options?.maxOutputTokens, Number.POSITIVE_INFINITY);
    this.decisions = new BudgetDecisionListeners(onOwnError);
  }

  /** True when a limit is set. */
  get active(): boolean {
    return this.perTraceUsd !== undefined || this.totalUsd !== undefined;
  }

  /** True when calls must be stopped (and the handler must be built with `raiseError`). */
  get blocks(): boolean {
    return this.active && this.action === "throw";
  }

  /**
   * Reserves `amountUsd` for a call against each limit. Throws (or rejects with) a {@link BudgetExceededError}
   * when it does not fit in `throw` mode, or a {@link BudgetStoreError} when the store fails and `onStoreError` is
   * `deny`. Answers synchronously with the in-memory store.
   */
  reserve(run: TrackedRun<unknown>, amountUsd: number, nowMs: number): Hold[] | Promise<Hold[]> {
    const holds: Hold[] = [];
    if (this.perTraceUsd !== undefined) {
      const key = `trace|${run.traceId}`;
      const result = this.traceStore.reserve({
        key,
        id: run.runId,
        amountUsd,
        limitUsd: this.perTraceUsd,
        nowMs,
        reservationTtlMs: this.reservationTtlMs,
        keyTtlMs: undefined,
      });
      const hold: Hold = {
        store: this.traceStore,
        key,
        keyTtlMs: undefined,
        amountUsd,
        limit: "trace",
        limitUsd: this.perTraceUsd,
        scope: undefined,
        open: false,
      };
      this.decide(result, hold, holds, run);
    }
    if (this.totalUsd === undefined) return holds;
    let hold: Hold | undefined;
    let pending: BudgetReserveResult | Promise<BudgetReserveResult>;
    try {
      const scope = this.scopeOf(run);
      const key = this.windowed(scope, nowMs);
      const keyTtlMs = this.keyTtlMs(nowMs);
      hold = {
        store: this.store,
        key,
        keyTtlMs,
        amountUsd,
        limit: "total",
        limitUsd: this.totalUsd,
        scope,
        open: false,
      };
      pending = this.store.reserve({
        key,
        id: run.runId,
        amountUsd,
        limitUsd: this.totalUsd,
        nowMs,
        reservationTtlMs: this.reservationTtlMs,
        keyTtlMs,
      });
    } catch (error) {
      return this.storeFailed(holds, run, error, hold, amountUsd);
    }
    if (!isThenable(pending)) return this.decide(pending, hold, holds, run);
    const total = hold;
    return withTimeout(pending, this.storeTimeoutMs).then(
      (result) => this.decide(result, total, holds, run),
      (error: unknown) => this.storeFailed(holds, run, error, total, amountUsd),
    );
  }

  /** Keeps a hold that fit; refuses the call (throw mode) or reports the breach (warn mode) when it did not. */
  private decide(result: BudgetReserveResult, hold: Hold, holds: Hold[], run: TrackedRun<unknown>): Hold[] {
    // In warn mode the call goes ahead, so its cost is still settled under the key.
    if (result.ok || this.action === "warn") holds.push(hold);
    if (result.ok) {
      hold.open = true;
      if (this.decisions.active) {
        this.decisions.emit({ type: "reserved", ...this.about(hold, run), reservedUsd: hold.amountUsd });
      }
      return holds;
    }
    const scope = hold.limit;
    const event: BudgetEvent = {
      scope,
      limitUsd: hold.limitUsd,
      spentUsd: result.spentUsd + result.reservedUsd,
      traceId: run.traceId,
      model: run.model,
      key: scope === "total" ? hold.key : undefined,
    };
    if (this.action === "throw" && this.decisions.active) {
      this.decisions.emit({
        type: "refused",
        ...this.about(hold, run),
        reason: "exceeded",
        requestedUsd: hold.amountUsd,
        spentUsd: result.spentUsd,
        reservedUsd: result.reservedUsd,
      });
    }
    this.notify(event, hold, run);
    if (this.action === "throw") {
      this.release(holds, run, "refused");
      throw new BudgetExceededError(event);
    }
    return holds;
  }

  /** The fields every decision about `hold` carries. */
  private about(
    hold: Hold,
    run: TrackedRun<unknown>,
  ): Pick<BudgetDecision, "limit" | "limitUsd" | "key" | "scope" | "runId" | "traceId" | "model"> {
    return {
      limit: hold.limit,
      limitUsd: hold.limitUsd,
      key: hold.limit === "trace" ? run.traceId : hold.key,
      scope: hold.scope,
      runId: run.runId,
      traceId: run.traceId,
      model: run.model,
    };
  }

  /** Settles each hold to the call's real cost (the reserved amount when the cost is unknown). Never throws. */
  settle(holds: readonly Hold[], run: TrackedRun<unknown>, costUsd: number | undefined, nowMs: number): void {
    for (const hold of holds) {
      const spentUsd = costUsd ?? hold.amountUsd;
      this.quietly("budgetStore.settle", () =>
        hold.store.settle({
          key: hold.key,
          id: run.runId,
          costUsd: spentUsd,
          nowMs,
          keyTtlMs: hold.keyTtlMs,
        }),
      );
      const releasedUsd = hold.open ? hold.amountUsd : 0;
      hold.open = false;
      if (this.decisions.active) {
        this.decisions.emit({ type: "settled", ...this.about(hold, run), spentUsd, releasedUsd });
      }
    }
  }

  /** Releases each hold (the call failed before costing anything, or was refused). Never throws. */
  release(holds: readonly Hold[], run: TrackedRun<unknown>, cause: "error" | "refused"): void {
    for (const hold of holds) {
      this.quietly("budgetStore.release", () => hold.store.release({ key: hold.key, id: run.runId }));
      const releasedUsd = hold.open ? hold.amountUsd : 0;
      hold.open = false;
      if (this.decisions.active) {
        this.decisions.emit({ type: "released", ...this.about(hold, run), releasedUsd, cause });
      }
    }
  }

  /**
   * The call was abandoned (evicted by the run tracker): its holds stop counting as this process's, and the store
   * drops them at their expiry. Nothing to tell the store: a late end still settles.
   */
  expire(holds: readonly Hold[], run: TrackedRun<unknown>): void {
    for (const hold of holds) {
      if (!hold.open) continue;
      hold.open = false;
      if (this.decisions.active) {
        this.decisions.emit({ type: "expired", ...this.about(hold, run), releasedUsd: hold.amountUsd });
      }
    }
  }

  /** The scope a run's total budget is charged to. */
  private scopeOf(run: TrackedRun<unknown>): string {
    const scope = this.scope === undefined ? "default" : this.scope(run);
    if (typeof scope !== "string" || scope === "") {
      throw new TypeError(`budget.scope must return a non-empty string, got ${String(scope)}`);
    }
    return scope;
  }

  /** The store key of a scope now: the scope, then the window it falls in. */
  private windowed(scope: string, nowMs: number): string {
    return this.windowMs === undefined
      ? scope
      : `${scope}|${Math.floor(nowMs / this.windowMs) * this.windowMs}`;
  }

  private keyTtlMs(nowMs: number): number | undefined {
    if (this.windowMs === undefined) return undefined;
    // Kept past the window's end as long as a reservation can live, so a late settle still finds its key.
    return this.windowMs - (nowMs % this.windowMs) + this.reservationTtlMs;
  }

  private storeFailed(
    holds: Hold[],
    run: TrackedRun<unknown>,
    error: unknown,
    hold: Hold | undefined,
    amountUsd: number,
  ): Hold[] {
    const failure =
      error instanceof BudgetStoreError
        ? error
        : new BudgetStoreError(
            `the budget store failed: ${error instanceof Error ? error.message : String(error)}`,
            error,
          );
    if (this.allowOnStoreError || this.action !== "throw") {
      this.onOwnError("budgetStore", failure);
      return holds;
    }
    if (this.decisions.active && this.totalUsd !== undefined) {
      this.decisions.emit({
        type: "refused",
        limit: "total",
        limitUsd: this.totalUsd,
        // Unknown when the scope function itself threw.
        key: hold?.key ?? "",
        scope: hold?.scope,
        runId: run.runId,
        traceId: run.traceId,
        model: run.model,
        reason: "store_error",
        requestedUsd: amountUsd,
        spentUsd: undefined,
        reservedUsd: undefined,
      });
    }
    this.release(holds, run, "refused");
    throw failure;
  }

  private quietly(where: string, step: () => void | Promise<void>): void {
    const fail = (error: unknown): void =>
      this.onOwnError(
        where,
        error instanceof BudgetStoreError
          ? error
          : new BudgetStoreError(
              `${where} failed: ${error instanceof Error ? error.message : String(error)}`,
              error,
            ),
      );
    try {
      const pending = step();
      if (pending !== undefined) withTimeout(pending, this.storeTimeoutMs).catch(fail);
    } catch (error) {
      fail(error);
    }
  }

  /** Tells `onBudgetExceeded` (and decision listeners) about a breach, once per limit (and per trace for trace limits). */
  private notify(event: BudgetEvent, hold: Hold, run: TrackedRun<unknown>): void {
    if (this.report === undefined && !this.decisions.active) return;
    const key = event.scope === "total" ? `\u0000total${event.key ?? ""}` : event.traceId;
    if (this.reported.has(key)) return;
    if (this.reported.size >= this.maxReported) this.reported.clear();
    this.reported.add(key);
    if (this.decisions.active) {
      this.decisions.emit({
        type: "exceeded",
        ...this.about(hold, run),
        action: this.action,
        spentUsd: event.spentUsd,
      });
    }
    if (this.report === undefined) return;
    try {
      this.report(event);
    } catch (error) {
      this.onOwnError("onBudgetExceeded", error);
    }
  }
}
