import type {
  ChainwatchHandlerOptions,
  CombinedCallbackHandler,
  HandlerErrorReporter,
} from "@chainwatch/core";
import type {
  OpenTelemetryCallbackHandler,
  OpenTelemetryCallbackHandlerOptions,
} from "@chainwatch/otel-tracing";
import type {
  PiiGuardCallbackHandler,
  PiiGuardOptions,
  RedactingCallbackHandler,
  Redactor,
  RedactorOptions,
} from "@chainwatch/pii-redact";
import type { PinoCallbackHandler, PinoCallbackHandlerOptions, PinoLogger } from "@chainwatch/pino-logger";
import type {
  MetricsServer,
  MetricsServerOptions,
  PrometheusCallbackHandler,
  PrometheusCallbackHandlerOptions,
} from "@chainwatch/prometheus-metrics";
import type { StdoutStreamCallbackHandler, StdoutStreamOptions } from "@chainwatch/stdout-stream";
import type {
  BudgetOptions,
  TokenCostCallbackHandler,
  TokenCostCallbackHandlerOptions,
} from "@chainwatch/token-cost";
import type { Registry } from "prom-client";

/** Options of {@link createObservability}. Every part but cost is optional; each maps onto one package. */
export interface ObservabilityOptions {
  /**
   * Personal data and secrets redacted in front of the handlers that see content — the logs and the token
   * stream (`withRedaction` from `@chainwatch/pii-redact`): `true` for the default detectors, a `Redactor`
   * (`createRedactor(…)`), or the redactor's options; `false` to log and print content as it is. Metrics and
   * cost never see content and are not wrapped.
   * @default true
   */
  redact?: boolean | Redactor | RedactorOptions;
  /**
   * A `PiiGuardCallbackHandler` (`@chainwatch/pii-redact`) in front of everything: `block` mode stops a call whose
   * prompt carries the listed types before its request leaves; `audit` counts them. `true` for block mode with
   * the default types.
   * @default false
   */
  piiGuard?: boolean | PiiGuardOptions;
  /**
   * Structured logs (`@chainwatch/pino-logger`): a pino logger, or the log handler's own options (with their
   * `logger`). Each `llm.end` record carries `cost_usd` from the cost handler.
   * @default no logs
   */
  logger?: PinoLogger | Omit<PinoCallbackHandlerOptions, "cost">;
  /**
   * The prom-client registry the metrics are written to and the metrics server serves.
   * @default prom-client's global `register`
   */
  registry?: Registry;
  /**
   * Options of the metrics handler (`@chainwatch/prometheus-metrics`: `prefix`, `labels`, `metadataLabels`, …),
   * or `false` for no metrics. Its `langchain_cost_usd_total` counter is fed by the cost handler.
   * @default {}
   */
  metrics?: Omit<PrometheusCallbackHandlerOptions, "registry" | "cost"> | false;
  /**
   * USD limits of the cost handler (`@chainwatch/token-cost`): `perTraceUsd`, `totalUsd`, `onExceed`. With
   * `onExceed: "throw"` (the default) the call that would go over is stopped before its request leaves. Its
   * figures reach the metrics (`<prefix>budget_reserved_usd`, `budget_spent_usd_total`, `budget_refusals_total`,
   * `budget_limit_usd`, `budget_exceeded_total`) and the logs (`budget.refused` at warn, the rest at debug).
   * @default no limit
   */
  budget?: BudgetOptions;
  /**
   * Other options of the cost handler (`prices`, `onRecord`, `estimate`, …). The cost handler is always part of
   * the stack: it is the cost source of the metrics and the logs.
   * @default {}
   */
  cost?: Omit<TokenCostCallbackHandlerOptions, "budget">;
  /**
   * Stream tokens as they arrive (`@chainwatch/stdout-stream`): `true` for the terminal (`process.stdout`), or
   * the handler's options (`stream`, `show`, `footer`, …).
   * @default false
   */
  stdout?: boolean | StdoutStreamOptions;
  /**
   * Serve the registry at `/metrics` (`startMetricsServer`): `true` for `127.0.0.1:9464`, or the server's
   * options (`port: 0` picks a free port). Needs metrics on.
   * @default false
   */
  metricsServer?: boolean | Omit<MetricsServerOptions, "registry">;
  /**
   * Trace every run as OpenTelemetry GenAI spans (`@chainwatch/otel-tracing`) on the global tracer provider:
   * `true`, or the handler's options (`tracerProvider`, `spans`, `content`, …). Model spans carry the cost
   * handler's USD cost; with `content: true` the handler sits behind redaction like the logs.
   * @default false
   */
  tracing?: boolean | Omit<OpenTelemetryCallbackHandlerOptions, "cost">;
  /**
   * Receives every handler's own failures, unless a handler's options name their own.
   * @default each handler's default: one `process.emitWarning` per failing method
   */
  onHandlerError?: HandlerErrorReporter;
  /**
   * Run bounds for every part of the stack — cost, metrics, logs, stream, guard and the redaction wrappers —
   * unless a part's own options set `runs`: how many runs each keeps state for (`maxRuns`) and how long an idle
   * run (a stream the consumer broke out of) is kept (`ttlMs`).
   * @default each part's default
   */
  runs?: ChainwatchHandlerOptions["runs"];
  /**
   * Upper bound on `close()`, in milliseconds: past it, whatever a part still holds (a token stream that never
   * drains, a log destination that hangs) is dropped and reported once through `onHandlerError` (or a process
   * warning); every other part is closed regardless.
   * @default 5000
   */
  closeTimeoutMs?: number;
}

/** The handlers of the stack, for reading their state (totals, metrics) or attaching them elsewhere. */
export interface ObservabilityHandlers {
  /** Cost per call, per trace and per model, and the budget. Always present. */
  cost: TokenCostCallbackHandler;
  /** Metrics, unless `metrics: false`. */
  metrics: PrometheusCallbackHandler | undefined;
  /** Structured logs, when `logger` is given. */
  logger: PinoCallbackHandler | undefined;
  /** Token streaming, when `stdout` is given. */
  stdout: StdoutStreamCallbackHandler | undefined;
  /** OpenTelemetry spans, when `tracing` is given. */
  tracing: OpenTelemetryCallbackHandler | undefined;
  /** The PII guard, when `piiGuard` is given. */
  piiGuard: PiiGuardCallbackHandler | undefined;
  /** What `callbacks` holds for the logs and the token stream when `redact` is on: the redacting wrappers. */
  redacted: {
    logger: RedactingCallbackHandler | undefined;
    stdout: RedactingCallbackHandler | undefined;
    /** The tracing handler behind redaction, when it records content. */
    tracing: RedactingCallbackHandler | undefined;
  };
}

/** What {@link createObservability} builds. */
export interface Observability {
  /**
   * One handler that hands each event to `[piiGuard, cost, metrics, tracing, logger, stdout]` in turn (those that
   * are on; the logger and stdout behind redaction): a {@link CombinedCallbackHandler}, so that LangChain dispatches
   * each event once rather than once per part. Pass as `callbacks` to any runnable call
   * (`chain.invoke(input, { callbacks })`) or model constructor.
   */
  readonly callbacks: [CombinedCallbackHandler];
  readonly handlers: ObservabilityHandlers;
  /** The running metrics server, when `metricsServer` was asked for. */
  readonly metricsServer: MetricsServer | undefined;
  /**
   * Waits for LangChain's callback queue, flushes the logger and the token stream, and stops the metrics
   * server — each part whatever another does, all within `closeTimeoutMs` (what is late is dropped and reported).
   * Never rejects. Safe to call more than once.
   */
  close(): Promise<void>;
}
