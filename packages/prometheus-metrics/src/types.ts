import type { ChainwatchHandlerOptions, CostOption } from "@chainwatch/core";
import type { BaseCallbackHandlerInput } from "@langchain/core/callbacks/base";
import type { Registry } from "prom-client";

/** Histogram bucket boundaries, per histogram. Each list must be non-empty, finite and strictly increasing. */
export interface PrometheusBuckets {
  /**
   * `gen_ai_client_operation_duration_seconds`.
   * @default [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92] (GenAI conventions)
   */
  operationDuration?: readonly number[];
  /**
   * `gen_ai_client_operation_time_to_first_chunk_seconds`.
   * @default the operation-duration buckets (GenAI conventions)
   */
  timeToFirstChunk?: readonly number[];
  /**
   * `gen_ai_client_token_usage`.
   * @default [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864] (GenAI conventions)
   */
  tokenUsage?: readonly number[];
  /**
   * `gen_ai_execute_tool_duration_seconds`.
   * @default the operation-duration buckets (GenAI conventions)
   */
  toolDuration?: readonly number[];
  /**
   * `<prefix>chain_duration_seconds`.
   * @default [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92, 163.84, 327.68]
   */
  chainDuration?: readonly number[];
  /**
   * `<prefix>retriever_duration_seconds`.
   * @default the operation-duration buckets
   */
  retrieverDuration?: readonly number[];
}

/**
 * The most distinct values each free-form label may take on one registry; past it a value is recorded as
 * `_OTHER`. The first handler on a registry fixes these for every handler sharing its metrics.
 */
export interface LabelValueLimits {
  /** `gen_ai_request_model` and `gen_ai_response_model` (each). @default 100 */
  models?: number;
  /** `gen_ai_provider_name`. @default 30 */
  providers?: number;
  /** `gen_ai_tool_name`. @default 100 */
  tools?: number;
  /** `langchain_chain_name` and `langchain_retriever_name` (each). @default 100 */
  chains?: number;
  /** Each label named in `metadataLabels`. @default 100 */
  metadata?: number;
  /** `budget_scope`, when `budgetScopeLabel` is on. @default 100 */
  budgetScopes?: number;
}

/** Options of {@link PrometheusCallbackHandler}. */
export interface PrometheusCallbackHandlerOptions extends ChainwatchHandlerOptions, BaseCallbackHandlerInput {
  /**
   * The prom-client registry the metrics are registered on. Handlers given the same registry share one set of
   * metrics (their options must agree on prefix, buckets and label names).
   * @default prom-client's global `register`
   */
  registry?: Registry;
  /**
   * Prefix of the LangChain-specific metrics (runs, chain and retriever duration, runs in flight, handler
   * errors). The GenAI semantic-convention metrics keep their standard `gen_ai_` names.
   * @default "langchain_"
   */
  prefix?: string;
  /** Histogram bucket overrides; each defaults to what the GenAI conventions recommend. */
  buckets?: PrometheusBuckets;
  /**
   * Static labels added to every metric of this handler, e.g. `{ service: "checkout" }`. Names must be valid
   * Prometheus label names; values are fixed, so they add no cardinality.
   * @default {}
   */
  labels?: Readonly<Record<string, string>>;
  /**
   * Run metadata keys to turn into labels (an allow-list; e.g. `["tenant_tier"]`). Each becomes a label of the
   * same name (invalid characters replaced by `_`) on every run metric, capped by `maxLabelValues.metadata`.
   * Never list unbounded keys such as user or session ids.
   * @default [] (off)
   */
  metadataLabels?: readonly string[];
  /** Caps on distinct label values; overflow is recorded as `_OTHER`. */
  maxLabelValues?: LabelValueLimits;
  /**
   * Where each LLM call's USD cost comes from, for `<prefix>cost_usd_total`: a `TokenCostCallbackHandler` from
   * `@chainwatch/token-cost` (any object with `costOfLLMResult(output, { model, provider })`), or a function of
   * the LLM result and the start event's model and provider. Calls it cannot price add nothing.
   * @default none (the cost counter stays empty)
   */
  cost?: CostOption;
  /**
   * Adds a `budget_scope` label (the budget's scope: what its `scope` function returned, without the window) to
   * `<prefix>budget_reserved_usd`, `budget_spent_usd_total` and `budget_refusals_total`, capped at
   * `maxLabelValues.budgetScopes` values (then `_OTHER`). Off by default: scopes are user or tenant ids, an
   * unbounded set; turn it on only for a few known scopes (tiers, a handful of tenants).
   * @default false
   */
  budgetScopeLabel?: boolean;
}

/** Options of {@link startMetricsServer}. */
export interface MetricsServerOptions {
  /**
   * TCP port; `0` picks a free one (read it back from `url`).
   * @default 9464 (the OpenTelemetry Prometheus exporter's port)
   */
  port?: number;
  /**
   * Interface to bind. Loopback by default: exposing metrics beyond the machine is an explicit choice
   * (`"0.0.0.0"` or `"::"`, e.g. inside a container scraped from outside).
   * @default "127.0.0.1"
   */
  host?: string;
  /**
   * Path that serves the metrics; every other path answers 404.
   * @default "/metrics"
   */
  path?: string;
  /**
   * Registry to serve.
   * @default prom-client's global `register`
   */
  registry?: Registry;
}

/** A running metrics server. */
export interface MetricsServer {
  /** Full URL of the metrics endpoint, e.g. `http://127.0.0.1:9464/metrics`. */
  readonly url: string;
  /** The port actually bound. */
  readonly port: number;
  /** Stops accepting connections and closes open ones. */
  close(): Promise<void>;
}
