import { combineCallbacks } from "@chainwatch/core";
import { OpenTelemetryCallbackHandler } from "@chainwatch/otel-tracing";
import { createRedactor, withRedaction } from "@chainwatch/pii-redact";
import { PinoCallbackHandler } from "@chainwatch/pino-logger";
import { PrometheusCallbackHandler } from "@chainwatch/prometheus-metrics";
import { StdoutStreamCallbackHandler } from "@chainwatch/stdout-stream";
import { TokenCostCallbackHandler } from "@chainwatch/token-cost";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { pino } from "pino";
import { Registry } from "prom-client";
import { discard } from "./discard.js";
import { STREAMING_NOOP, type Subject } from "./subjects.js";

/** pino writing to a stream that keeps nothing: the logger's own cost, no I/O. */
const discardingLogger = (level: string) => pino({ level }, discard());

/**
 * stdout-stream writing to a stream that keeps nothing. Awaited inside the run like every other subject: by
 * default it runs on LangChain's background queue whatever `LANGCHAIN_CALLBACKS_BACKGROUND` says (so a slow
 * terminal never holds up a call), and there its work would pile up behind a fast workload and be timed with the
 * queue's own cost, unlike the baselines it is compared with.
 */
const discardingStdout = () =>
  new StdoutStreamCallbackHandler({ stream: discard(), errorOutput: false, awaitHandlers: true });

const PINO_NONE = "@chainwatch/pino-logger (info, content none)";
const STDOUT = "@chainwatch/stdout-stream (to a discarding writable)";

// What the wrapped logger records of a run's content, stated to withRedaction (it also declares it itself, through
// its `recordedContent` property). stdout-stream declares its own (outputs only, no chain content).
const LOGGER_RECORDS_NO_CONTENT = { recordedContent: { content: "none" } } as const;

/** The chainwatch handlers, one subject each, plus all five together. Goals are the ratios to the no-op handler. */
export const CHAINWATCH: Subject[] = [
  {
    name: STDOUT,
    group: "chainwatch",
    goal: 1.3,
    baseline: STREAMING_NOOP,
    attach: async () => ({
      callbacks: [discardingStdout()],
    }),
  },
  {
    name: PINO_NONE,
    group: "chainwatch",
    goal: 1.5,
    attach: async () => ({
      callbacks: [new PinoCallbackHandler({ logger: discardingLogger("info"), content: "none" })],
    }),
  },
  {
    name: "@chainwatch/pino-logger (logger level fatal: disabled path)",
    group: "chainwatch",
    goal: 1.1,
    attach: async () => ({ callbacks: [new PinoCallbackHandler({ logger: discardingLogger("fatal") })] }),
  },
  {
    name: "@chainwatch/prometheus-metrics",
    group: "chainwatch",
    goal: 1.2,
    attach: async () => ({ callbacks: [new PrometheusCallbackHandler({ registry: new Registry() })] }),
  },
  {
    name: "@chainwatch/token-cost",
    group: "chainwatch",
    goal: 1.2,
    attach: async () => ({ callbacks: [new TokenCostCallbackHandler()] }),
  },
  {
    // Recorded like the OpenInference and Langfuse peers: the same SDK, an in-memory exporter reset every 200 ms.
    name: "@chainwatch/otel-tracing (in-memory spans)",
    group: "chainwatch",
    goal: 1.3,
    attach: async () => {
      const exporter = new InMemorySpanExporter();
      const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
      const timer = setInterval(() => exporter.reset(), 200);
      return {
        callbacks: [new OpenTelemetryCallbackHandler({ tracerProvider: provider })],
        teardown: async () => {
          clearInterval(timer);
          exporter.reset();
          await provider.shutdown();
        },
      };
    },
  },
  {
    name: "@chainwatch/pii-redact withRedaction(pino-logger info, content none)",
    group: "chainwatch",
    goal: 1.5,
    baseline: PINO_NONE,
    attach: async () => ({
      callbacks: [
        withRedaction(
          new PinoCallbackHandler({ logger: discardingLogger("info"), content: "none" }),
          undefined,
          LOGGER_RECORDS_NO_CONTENT,
        ),
      ],
    }),
  },
  {
    name: "@chainwatch/pii-redact withRedaction(stdout-stream)",
    group: "chainwatch",
    goal: 1.5,
    baseline: STDOUT,
    attach: async () => ({
      callbacks: [withRedaction(discardingStdout())],
    }),
  },
  {
    name: "all five, no redaction: stdout-stream, pino-logger, prometheus-metrics, token-cost",
    group: "chainwatch",
    baseline: STREAMING_NOOP,
    attach: async () => ({
      callbacks: [
        combineCallbacks([
          discardingStdout(),
          new PinoCallbackHandler({ logger: discardingLogger("info"), content: "none" }),
          new PrometheusCallbackHandler({ registry: new Registry() }),
          new TokenCostCallbackHandler(),
        ]),
      ],
    }),
  },
  {
    name: "all five: redacted stdout-stream + redacted pino-logger, prometheus-metrics, token-cost",
    group: "chainwatch",
    goal: 2.5,
    baseline: STREAMING_NOOP,
    attach: async () => {
      // One redactor for both wrappers, as createObservability builds them: a string redacted for one is not
      // redacted again for the other.
      const redactor = createRedactor();
      return {
        callbacks: [
          combineCallbacks([
            withRedaction(discardingStdout(), redactor),
            withRedaction(
              new PinoCallbackHandler({ logger: discardingLogger("info"), content: "none" }),
              redactor,
              LOGGER_RECORDS_NO_CONTENT,
            ),
            new PrometheusCallbackHandler({ registry: new Registry() }),
            new TokenCostCallbackHandler(),
          ]),
        ],
      };
    },
  },
];
