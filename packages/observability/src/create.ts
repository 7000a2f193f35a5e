import type { HandlerErrorReporter } from "@chainwatch/core";
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
import { budgetMetrics } from "./budget-metrics.js";
import type { Observability, ObservabilityOptions } from "./types.js";

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

/** What the log handler records of a run's content, from its options (pino-logger's `content` and `maxLength`). */
function loggerRecords(logger: ObservabilityOptions["logger"]): RecordedContent {
  const options = isPinoLogger(logger) ? {} : (logger ?? {});
  const content = options.content ?? "truncate";
  return content === "truncate" ? { content, maxLength: options.maxLength ?? 2048 } : { content };
}

/** Adds the shared error reporter to a handler's options, unless they name their own. */
function withReporter<T extends { onHandlerError?: HandlerErrorReporter }>(
  options: T,
  reporter: HandlerErrorReporter | undefined,
): T {
  return reporter === undefined || options.onHandlerError !== undefined
    ? options
    : { ...options, onHandlerError: reporter };
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
  const reporter = options.onHandlerError;
  if (!(reporter === undefined || typeof reporter === "function")) {
    fail(`onHandlerError must be a function, got ${describe(reporter)}`);
  }
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

  let budget = options.budget;
  if (budget !== undefined && options.metrics !== false) {
    if (!isObject(budget)) fail(`budget must be an object, got ${describe(budget)}`);
    const prefix = options.metrics?.prefix ?? "langchain_";
    budget = { ...budget, onBudgetExceeded: budgetMetrics(budget, options.registry, prefix) };
  }
  const cost = new TokenCostCallbackHandler(
    withReporter({ ...options.cost, ...(budget ? { budget } : {}) }, reporter),
  );
  const metrics =
    options.metrics === false
      ? undefined
      : new PrometheusCallbackHandler(
          withReporter({ ...options.metrics, registry: options.registry, cost }, reporter),
        );
  let logger: PinoCallbackHandler | undefined;
  if (options.logger !== undefined) {
    const logOptions: PinoCallbackHandlerOptions = isPinoLogger(options.logger)
      ? { logger: options.logger }
      : { ...options.logger };
    logger = new PinoCallbackHandler(withReporter({ ...logOptions, cost }, reporter));
  }
  const stdout =
    stdoutOptions === undefined
      ? undefined
      : new StdoutStreamCallbackHandler(withReporter(stdoutOptions, reporter));

  const tracing =
    tracingOptions === undefined
      ? undefined
      : new OpenTelemetryCallbackHandler(withReporter({ ...tracingOptions, cost }, reporter));

  const piiGuard =
    guardOptions === undefined
      ? undefined
      : new PiiGuardCallbackHandler(withReporter(guardOptions, reporter));
  // Only the handlers that see content go behind redaction: metrics and cost never do. Each wrapper is told what its
  // handler records, so it redacts nothing the handler would not write (unless the handler declares it itself).
  const wrap = (
    handler: BaseCallbackHandler | undefined,
    recordedContent: RecordedContent,
  ): RedactingCallbackHandler | undefined =>
    handler === undefined || redactor === undefined
      ? undefined
      : withRedaction(handler, redactor, {
          ...(reporter === undefined ? {} : { onHandlerError: reporter }),
          ...("recordedContent" in handler ? {} : { recordedContent }),
        });
  const redacted = {
    logger: wrap(logger, loggerRecords(options.logger)),
    // The stream prints answers, tool results and errors, never a prompt or a chain's input.
    stdout: wrap(stdout, { content: "full", inputs: false }),
    // Spans carry content only with `content: true`; without it there is nothing to redact.
    tracing: tracingOptions?.content === true ? wrap(tracing, { content: "full" }) : undefined,
  };

  // The blocking handlers first (the guard must see the raw prompt; the budget stops a call), then metrics, then
  // the content handlers, behind redaction when it is on.
  const callbacks: BaseCallbackHandler[] = [];
  if (piiGuard) callbacks.push(piiGuard);
  callbacks.push(cost);
  if (metrics) callbacks.push(metrics);
  const shownTracing = redacted.tracing ?? tracing;
  if (shownTracing) callbacks.push(shownTracing);
  const shownLogger = redacted.logger ?? logger;
  if (shownLogger) callbacks.push(shownLogger);
  const shownStdout = redacted.stdout ?? stdout;
  if (shownStdout) callbacks.push(shownStdout);

  const metricsServer =
    serverOptions === undefined
      ? undefined
      : await startMetricsServer({ ...serverOptions, registry: options.registry });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await awaitAllCallbacks();
      await Promise.all([logger?.flush(), stdout?.flush()]);
      await metricsServer?.close();
    })();
    return closing;
  };

  return {
    callbacks,
    handlers: { cost, metrics, logger, stdout, tracing, piiGuard, redacted },
    metricsServer,
    close,
  };
}
