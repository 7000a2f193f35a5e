/** Which limit a decision is about: the run tree's (`perTraceUsd`) or the scope's (`totalUsd`). */
export type BudgetLimitKind = "trace" | "total";

/** What every budget decision says about the call and the limit. */
export interface BudgetDecisionBase {
  limit: BudgetLimitKind;
  /** The limit in USD. */
  limitUsd: number;
  /** The store key of a `total` limit (scope, then window start); the trace id for a `trace` limit. */
  key: string;
  /** The scope of a `total` limit (what `budget.scope` returned, `"default"` without it); undefined for `trace`. */
  scope: string | undefined;
  /** The LLM run the decision is about. */
  runId: string;
  /** The root run of its tree. */
  traceId: string;
  /** The model requested. */
  model: string | undefined;
}

/** The call's most possible cost is now held against the limit (the store answered). */
export interface BudgetReservedDecision extends BudgetDecisionBase {
  type: "reserved";
  /** USD held for this call. */
  reservedUsd: number;
}

/** The call ended: its reservation is dropped and its real cost spent under the limit. */
export interface BudgetSettledDecision extends BudgetDecisionBase {
  type: "settled";
  /** USD added to the spend: the call's cost (its reservation when it could not be priced). */
  spentUsd: number;
  /** USD of the reservation dropped (0 when none was held: warn mode over the limit, or already expired). */
  releasedUsd: number;
}

/** The call failed (or was aborted, or refused by another limit) before costing anything: its hold is dropped. */
export interface BudgetReleasedDecision extends BudgetDecisionBase {
  type: "released";
  /** USD of the reservation dropped. */
  releasedUsd: number;
  /** `error`: the call failed or was aborted; `refused`: another limit (or the store) refused it. */
  cause: "error" | "refused";
}

/**
 * The call was abandoned (a stream never ended: the run tracker evicted it): this process stops counting its
 * reservation, which the store drops once `reservationTtlMs` has passed. A late end still settles the spend.
 */
export interface BudgetExpiredDecision extends BudgetDecisionBase {
  type: "expired";
  releasedUsd: number;
}

/** The call was refused before its request left (`onExceed: "throw"`, or a store failure with `onStoreError: "deny"`). */
export interface BudgetRefusedDecision extends BudgetDecisionBase {
  type: "refused";
  /** `exceeded`: the reservation did not fit; `store_error`: the store failed or timed out. */
  reason: "exceeded" | "store_error";
  /** USD the call asked to reserve. */
  requestedUsd: number;
  /** USD settled under the limit's key when it was checked; undefined when the store did not answer. */
  spentUsd: number | undefined;
  /** USD held by calls in flight under that key; undefined when the store did not answer. */
  reservedUsd: number | undefined;
}

/**
 * A limit was reached, told once per limit (per trace for `trace`, per key for `total`) like `onBudgetExceeded`.
 * With `onExceed: "throw"` a `refused` decision comes with it; with `"warn"` the call went on anyway.
 */
export interface BudgetExceededDecision extends BudgetDecisionBase {
  type: "exceeded";
  /** The budget's `onExceed`: whether the call was stopped (`throw`) or went on (`warn`). */
  action: "throw" | "warn";
  /** USD spent and held under the limit when it was reached. */
  spentUsd: number;
}

/** What {@link TokenCostCallbackHandler.onBudgetDecision} listeners are told, discriminated by `type`. */
export type BudgetDecision =
  | BudgetReservedDecision
  | BudgetSettledDecision
  | BudgetReleasedDecision
  | BudgetExpiredDecision
  | BudgetRefusedDecision
  | BudgetExceededDecision;

/** A listener of budget decisions; called synchronously, on LangChain's callback path: keep it quick. */
export type BudgetDecisionListener = (decision: BudgetDecision) => void;

/** The listeners of one handler. Emitting costs one size check when nobody listens. */
export class BudgetDecisionListeners {
  private readonly listeners = new Set<BudgetDecisionListener>();

  constructor(private readonly onOwnError: (where: string, error: unknown) => void) {}

  /** True when someone listens: callers build a decision only then. */
  get active(): boolean {
    return this.listeners.size > 0;
  }

  add(listener: BudgetDecisionListener): () => void {
    if (typeof listener !== "function") {
      throw new TypeError(
        `TokenCostCallbackHandler: onBudgetDecision needs a function, got ${String(listener)}`,
      );
    }
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  emit(decision: BudgetDecision): void {
    for (const listener of this.listeners) {
      try {
        listener(decision);
      } catch (error) {
        this.onOwnError("onBudgetDecision", error);
      }
    }
  }
}
