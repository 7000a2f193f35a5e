import {
  type ChainwatchHandlerOptions,
  type CombinedCallbackHandler,
  combineCallbacks,
  type HandlerErrorReporter,
  type OptionShape,
  RUNS_OPTION_SHAPE,
  validateOptions,
} from "@chainwatch/core";
import {
  OpenTelemetryCallbackHandler,
  type OpenTelemetryCallbackHandlerOptions,
} from "@chainwatch/otel-tracing";
import {
  createRedactor,
  PiiGuardCallbackHandler,
  type PiiGuardOptions,
  type RecordedContent,
  type RedactingCallbackHandler,
  type Redactor,
  type RedactorOptions,
  withRedaction,
} from "@chainwatch/pii-redact";
import {
  PinoCallbackHandler,
  type PinoCallbackHandlerOptions,
  type PinoLogger,
} from "@chainwatch/pino-logger";
import { PrometheusCallbackHandler, startMetricsServer } from "@chainwatch/prometheus-metrics";
import { StdoutStreamCallbackHandler, type StdoutStreamOptions } from "@chainwatch/stdout-stream";
import { TokenCostCallbackHandler } from "@chainwatch/token-cost";
import type { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import type { Observability, ObservabilityOptions } from "./types.js";

/** Default bound on `close()`, in milliseconds. */
const DEFAULT_CLOSE_TIMEOUT_MS = 5_000;

/**
 * The keys createObservability knows. The options of each part (`metrics`, `cost`, `stdout`, …) are checked by that
 * part's own constructor, which names itself in the error.
 */
const OPTION_SHAPE: OptionShape = {
  redact: true,
  piiGuard: true,
  logger: true,
  registry: true,
  metrics: true,
  budget: true,
  cost: true,
  stdout: true,
  tracing: true,
  metricsServer: true,
  onHandlerError: true,
  runs: RUNS_OPTION_SHAPE,
  closeTimeoutMs: true,
};

function fail(message: string): never {
  throw new TypeError(`createObservability: ${message}`);
}

function describe(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function isPinoLogger(value: unknown): value is PinoLogger {
  return isObject(value) && typeof value.child === "function" && typeof value.isLevelEnabled === "function";
}

function optionObject<T extends object>(name: string, value: T | boolean | undefined): T | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return {} as T;
  if (!isObject(value)) fail(`${name} must be a boolean or an options object, got ${describe(value)}`);
  return value;
}

function isRedactor(value: unknown): value is Redactor {
  return isObject(value) && typeof value.redactValue === "function" && typeof value.stream === "function";
}

/** The redactor `redact` asks for, or undefined when redaction is off. */
function resolveRedactor(redact: ObservabilityOptions["redact"]): Redactor | undefined {
  if (redact === false) return undefined;
  if (redact === undefined || redact === true) return createRedactor();
  if (isRedactor(redact)) return redact;
  if (!isObject(redact))
    fail(`redact must be a boolean, a Redactor or redactor options, got ${describe(redact)}`);
  return createRedactor(redact as RedactorOptions);
}

/** What the stack gives every part: the error reporter and the run bounds, unless the part's options name its own. */
interface Shared {
  reporter: HandlerErrorReporter | undefined;
  runs: ChainwatchHandlerOptions["runs"];
}

/** Adds the shared error reporter and run bounds to a part's options, unless they name their own. */
function withShared<T extends ChainwatchHandlerOptions>(options: T, shared: Shared): T {
  const result = { ...options };
  if (shared.reporter !== undefined && result.onHandlerError === undefined)
    result.onHandlerError = shared.reporter;
  if (shared.runs !== undefined && result.runs === undefined) result.runs = shared.runs;
  return result;
}

/** Resolves with `"done"`, or with `"timeout"` once `ms` have passed (the timer never holds the process open). */
function withinBound(work: Promise<unknown>, ms: number): Promise<"done" | "timeout"> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ms);
    timer.unref();
  });
  return Promise.race([work.then(() => "done" as const), timeout]).finally(() => clearTimeout(timer));
}

/**
 * Builds the recommended chainwatch stack in one call: a `TokenCostCallbackHandler` (with the budget) that is
 * the cost source of a `PrometheusCallbackHandler` (`langchain_cost_usd_total`) and of a `PinoCallbackHandler`
 * (`cost_usd` on `llm.end`), a `StdoutStreamCallbackHandler`, the logger and the stream behind `withRedaction`
 * (PII and secrets redacted before they are written), an optional `PiiGuardCallbackHandler`, and the
 * `/metrics` server. Thin on purpose:
 * every part is the package's own handler, built with the options given, and each package works on its own.
 *
 * @example
 * ```ts
 * const stack = await createObservability({ logger: pino(), budget: { perTraceUsd: 0.5 }, stdout: true, metricsServer: { port: 9464 } });
 * await chain.invoke(input, { callbacks: stack.callbacks });
 * process.stdout.write(stack.handlers.cost.table());
 * await stack.close();
 * ```
 */
export async function createObservability(options: ObservabilityOptions = {}): Promise<Observability> {
  if (typeof options !== "object" || options === null) {
    fail(`options must be an object, got ${describe(options)}`);
  }
  validateOptions("createObservability", options, OPTION_SHAPE);
  const reporter = options.onHandlerError;
  if (!(reporter === undefined || typeof reporter === "function")) {
    fail(`onHandlerError must be a function, got ${describe(reporter)}`);
  }
  if (options.runs !== undefined && !isObject(options.runs)) {
    fail(`runs must be an object ({ maxRuns, ttlMs }), got ${describe(options.runs)}`);
  }
  const closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
  if (typeof closeTimeoutMs !== "number" || !(closeTimeoutMs > 0) || !Number.isFinite(closeTimeoutMs)) {
    fail(`closeTimeoutMs must be a positive number of milliseconds, got ${describe(closeTimeoutMs)}`);
  }
  const shared: Shared = { reporter, runs: options.runs };
  if (options.metrics !== undefined && options.metrics !== false && !isObject(options.metrics)) {
    fail(`metrics must be an options object or false, got ${describe(options.metrics)}`);
  }
  if (options.logger !== undefined && !isObject(options.logger)) {
    fail(`logger must be a pino logger or the log handler's options, got ${describe(options.logger)}`);
  }
  const redactor = resolveRedactor(options.redact);
  const guardOptions = optionObject<PiiGuardOptions>("piiGuard", options.piiGuard);
  const stdoutOptions = optionObject<StdoutStreamOptions>("stdout", options.stdout);
  const serverOptions = optionObject("metricsServer", options.metricsServer);
  const tracingOptions = optionObject<OpenTelemetryCallbackHandlerOptions>("tracing", options.tracing);
  if (serverOptions !== undefined && options.metrics === false) {
    fail("metricsServer needs metrics: it serves the metrics handler's registry (metrics is false)");
  }

  const budget = options.budget;
  if (budget !== undefined && !isObject(budget)) fail(`budget must be an object, got ${describe(budget)}`);
  // The budget's figures (reserved, spent, refusals, limits, breaches) reach the metrics and the logs through the
  // cost handler's budget decisions: each handler subscribes when given it as its `cost`.
  const cost = new TokenCostCallbackHandler(
    withShared({ ...options.cost, ...(budget ? { budget } : {}) }, shared),
  );
  const metrics =
    options.metrics === false
      ? undefined
      : new PrometheusCallbackHandler(
          withShared({ ...options.metrics, registry: options.registry, cost }, shared),
        );
  let logger: PinoCallbackHandler | undefined;
  if (options.logger !== undefined) {
    const logOptions: PinoCallbackHandlerOptions = isPinoLogger(options.logger)
      ? { logger: options.logger }
      : { ...options.logger };
    logger = new PinoCallbackHandler(withShared({ ...logOptions, cost }, shared));
  }
  const stdout =
    stdoutOptions === undefined
      ? undefined
      : new StdoutStreamCallbackHandler(withShared(stdoutOptions, shared));

  const tracing =
    tracingOptions === undefined
      ? undefined
      : new OpenTelemetryCallbackHandler(withShared({ ...tracingOptions, cost }, shared));

  const piiGuard =
    guardOptions === undefined ? undefined : new PiiGuardCallbackHandler(withShared(guardOptions, shared));
  // Only the handlers that see content go behind redaction: metrics and cost never do. Each wrapper knows what its
  // handler records (the logger declares it, from its content and maxLength options), so it redacts nothing the
  // handler would not write.
  const redactingOptions = withShared({}, shared);
  const wrap = (
    handler: BaseCallbackHandler | undefined,
    recordedContent?: RecordedContent,
  ): RedactingCallbackHandler | undefined =>
    handler === undefined || redactor === undefined
      ? undefined
      : withRedaction(handler, redactor, {
          ...redactingOptions,
          ...(recordedContent === undefined || "recordedContent" in handler ? {} : { recordedContent }),
        });
  const redacted = {
    logger: wrap(logger),
    // The stream declares what it prints (answers, tool results, errors; tool inputs only with progress.toolInput).
    stdout: wrap(stdout),
    // Spans carry content only with `content: true`; without it there is nothing to redact.
    tracing: tracingOptions?.content === true ? wrap(tracing, { content: "full" }) : undefined,
  };

  // The blocking handlers first (the guard must see the raw prompt; the budget stops a call), then metrics, then
  // the content handlers, behind redaction when it is on.
  // One handler for LangChain to dispatch to: each event crosses its callback manager once, not once per part.
  const parts: BaseCallbackHandler[] = [];
  if (piiGuard) parts.push(piiGuard);
  parts.push(cost);
  if (metrics) parts.push(metrics);
  const shownTracing = redacted.tracing ?? tracing;
  if (shownTracing) parts.push(shownTracing);
  const shownLogger = redacted.logger ?? logger;
  if (shownLogger) parts.push(shownLogger);
  const shownStdout = redacted.stdout ?? stdout;
  if (shownStdout) parts.push(shownStdout);
  const callbacks: [CombinedCallbackHandler] = [combineCallbacks(parts)];

  const metricsServer =
    serverOptions === undefined
      ? undefined
      : await startMetricsServer({ ...serverOptions, registry: options.registry });

  // close(): every part is closed whatever another does (a token stream that never drains must not keep /metrics
  // up), and the whole finishes within closeTimeoutMs; what did not finish in time is reported once.
  const reportClose = (error: Error, part: string) => {
    const context = { handler: "createObservability", method: `close(${part})` };
    if (reporter) reporter(error, context);
    else process.emitWarning(error.message, { code: "CHAINWATCH_CLOSE" });
  };
  const closeAll = async (): Promise<void> => {
    const deadline = Date.now() + closeTimeoutMs;
    const remaining = () => Math.max(0, deadline - Date.now());
    // LangChain's queue first (the last events of the runs), but never past the bound.
    const queue = await withinBound(awaitAllCallbacks(), remaining()).catch(() => "done" as const);
    const parts: [string, (() => Promise<unknown>) | undefined][] = [
      ["metricsServer", metricsServer && (() => metricsServer.close())],
      ["logger", logger && (() => logger.flush())],
      ["stdout", stdout && (() => stdout.flush())],
    ];
    const outcomes = await Promise.all(
      parts.map(async ([part, work]) => {
        if (!work) return undefined;
        try {
          return (await withinBound(Promise.resolve().then(work), remaining())) === "timeout"
            ? part
            : undefined;
        } catch (error) {
          reportClose(error instanceof Error ? error : new Error(String(error)), part);
          return undefined;
        }
      }),
    );
    const late = outcomes.filter((part): part is string => part !== undefined);
    if (queue === "timeout") late.unshift("LangChain's callback queue");
    if (late.length > 0) {
      const dropped = stdout?.droppedChars;
      reportClose(
        new Error(
          `close() gave up after ${closeTimeoutMs} ms on: ${late.join(", ")} (what they still held is dropped${
            late.includes("stdout") && typeof dropped === "number"
              ? `; the token stream had dropped ${dropped} characters`
              : ""
          }); every other part is closed`,
        ),
        late.join(", "),
      );
    }
  };
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= closeAll();
    return closing;
  };

  return {
    callbacks,
    handlers: { cost, metrics, logger, stdout, tracing, piiGuard, redacted },
    metricsServer,
    close,
  };
}
