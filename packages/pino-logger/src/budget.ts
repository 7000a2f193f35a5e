import { truncate } from "@chainwatch/core";
import type { Logger } from "pino";
import { roundUsd } from "./cost.js";
import { activeSpanFields } from "./otel.js";
import type { LogRecord } from "./writer.js";

/**
 * A budget decision as this package reads it: `@chainwatch/token-cost`'s `BudgetDecision`, read field by field
 * (this package does not depend on token-cost), so any cost source may offer the same interface.
 */
export interface BudgetDecisionLike {
  type: string;
  limit: string;
  limitUsd?: number | undefined;
  key?: string | undefined;
  runId?: string | undefined;
  traceId?: string | undefined;
  model?: string | undefined;
  reservedUsd?: number | undefined;
  releasedUsd?: number | undefined;
  spentUsd?: number | undefined;
  requestedUsd?: number | undefined;
  reason?: string | undefined;
  cause?: string | undefined;
  action?: string | undefined;
}

/** A cost source that tells of its budget decisions (`TokenCostCallbackHandler`). */
export interface BudgetDecisionSource {
  onBudgetDecision(listener: (decision: BudgetDecisionLike) => void): () => void;
}

/** Whether `cost` tells of budget decisions. */
export function isBudgetSource(cost: unknown): cost is BudgetDecisionSource {
  return (
    typeof cost === "object" &&
    cost !== null &&
    typeof (cost as Partial<BudgetDecisionSource>).onBudgetDecision === "function"
  );
}

/** Longest `key` and `model` written: a scope key is whatever the budget's `scope` function returned. */
const MAX_FIELD_LENGTH = 200;

function usd(record: LogRecord, field: string, value: unknown): void {
  if (typeof value === "number" && Number.isFinite(value)) record[field] = roundUsd(value);
}

function text(record: LogRecord, field: string, value: unknown): void {
  if (typeof value === "string") record[field] = truncate(value, MAX_FIELD_LENGTH);
}

/** The fields every budget record carries: the call's ids and model, the limit and its key. */
function budgetFields(decision: BudgetDecisionLike): LogRecord {
  const record: LogRecord = { run_type: "llm" };
  text(record, "run_id", decision.runId);
  text(record, "root_run_id", decision.traceId);
  text(record, "model", decision.model);
  text(record, "limit", decision.limit);
  usd(record, "limit_usd", decision.limitUsd);
  text(record, "key", decision.key);
  return record;
}

/** Where one log handler writes its budget records, and how it reports its own failures. */
export interface BudgetLogSink {
  logger: Logger;
  report(error: unknown): void;
}

/**
 * Writes a cost source's budget decisions to the sink's logger. A refusal is a `warn` record (`budget.refused`), and so is
 * a limit reached in `onExceed: "warn"` mode (`budget.exceeded`, once per limit): both are rare and need a human.
 * The routine steps of a working budget (`budget.reserved`, `budget.settled`, `budget.released`,
 * `budget.expired`) are `debug` records, built only when the logger wants debug. USD is rounded like `cost_usd`.
 * Budget records are not sampled or filtered: they are about the budget, not about one run's trace.
 *
 * The sink is held weakly: a log handler made per request around one long-lived cost handler is not kept alive by
 * it, and its listener is removed at the first decision after the handler is collected.
 */
export function logBudgetDecisions(source: BudgetDecisionSource, sink: BudgetLogSink): void {
  const owner = new WeakRef(sink);
  const stop = source.onBudgetDecision((decision) => {
    const live = owner.deref();
    if (live === undefined) {
      stop();
      return;
    }
    const { logger } = live;
    try {
      const { type } = decision;
      if (type === "refused") {
        if (!logger.isLevelEnabled("warn")) return;
        const record = budgetFields(decision);
        text(record, "reason", decision.reason);
        usd(record, "requested_usd", decision.requestedUsd);
        usd(record, "spent_usd", decision.spentUsd);
        usd(record, "reserved_usd", decision.reservedUsd);
        const otel = activeSpanFields();
        if (otel) Object.assign(record, otel);
        logger.warn(record, "budget.refused");
        return;
      }
      if (type === "exceeded") {
        // In throw mode the refusal just written says it; in warn mode the call went on and this is the report.
        if (decision.action !== "warn" || !logger.isLevelEnabled("warn")) return;
        const record = budgetFields(decision);
        usd(record, "spent_usd", decision.spentUsd);
        logger.warn(record, "budget.exceeded");
        return;
      }
      if (!logger.isLevelEnabled("debug")) return;
      const record = budgetFields(decision);
      if (type === "reserved") {
        usd(record, "reserved_usd", decision.reservedUsd);
      } else if (type === "settled") {
        usd(record, "spent_usd", decision.spentUsd);
        usd(record, "released_usd", decision.releasedUsd);
      } else if (type === "released" || type === "expired") {
        usd(record, "released_usd", decision.releasedUsd);
        text(record, "cause", decision.cause);
      } else {
        return;
      }
      logger.debug(record, `budget.${type}`);
    } catch (error) {
      live.report(error);
    }
  });
}
