/**
 * `npm run demo`: the production stack — all five chainwatch handlers on a chain and a tool-calling agent, built
 * with `createObservability`:
 *
 * - tokens stream to the terminal, and JSON logs go to a file, both behind PII redaction (the prompts below carry
 *   an email address, a phone number and a card number: neither the terminal nor the log shows them);
 * - Prometheus metrics are served at /metrics while it runs, with the cost of every call, and summarised at the end;
 * - every run is traced as OpenTelemetry GenAI spans; the agent run's trace is printed as a tree, and with
 *   OTEL_EXPORTER_OTLP_ENDPOINT set every trace is also sent there over OTLP/HTTP (protobuf);
 * - one call fails on purpose (an unknown model) and a runaway loop is stopped by the budget, so the error and
 *   budget panels and alerts of `examples/observability/` have something to show;
 * - a cost table closes it, with where to look.
 *
 * No OPENAI_API_KEY: the embedded OpenAI-compatible server on 127.0.0.1 answers (it echoes the prompt, PII
 * included, as a careless model might). With OPENAI_API_KEY: the real API, unchanged.
 *
 *   npx tsx src/stack-demo.ts                  # metrics on 127.0.0.1:9464 (METRICS_PORT to change)
 *   KEEP_SERVING=1 npx tsx src/stack-demo.ts   # keep /metrics up for Prometheus until Ctrl-C
 *   OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 npx tsx src/stack-demo.ts   # traces to a collector
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createObservability, type Observability } from "@chainwatch/observability";
import { TreeSpanExporter } from "@chainwatch/otel-tracing";
import { fakeChatOpenAI, hasToolResult, weatherAgent, weatherAgentScript } from "@chainwatch/testkit";
import { BudgetExceededError, formatUsd } from "@chainwatch/token-cost";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { StringOutputParser } from "@langchain/core/output_parsers";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { RunnableLambda } from "@langchain/core/runnables";
import { ChatOpenAI } from "@langchain/openai";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { pino } from "pino";
import { Registry } from "prom-client";
import { exampleModel, runIfMain } from "./setup.js";

/** Personal data the demo's prompts carry; none of it may reach the terminal or the log file. */
export const DEMO_PII = {
  email: "ann.lee@example.com",
  phone: "+44 20 7946 0958",
  card: "4111 1111 1111 1111",
} as const;

/** A model no provider has: the one call that fails (HTTP 404), for the error panels. */
export const MISSING_MODEL = "chainwatch-demo-missing-model";

/**
 * Streaming pace of the embedded server when `npm run demo` runs, in tokens per second (`DEMO_TOKENS_PER_SECOND`):
 * a person watching sees the tokens arrive, as from a real model. Tests run at full speed (0).
 */
export const DEMO_TOKENS_PER_SECOND = 60;

/** Prompt tokens the embedded server reports as read from its cache on the agent's second turn. */
export const DEMO_CACHED_TOKENS = 64;

/** What one round of the workload did. */
export interface WorkloadResult {
  /** Model calls that completed: 1 in the chain, 2 in the agent, the runaway loop's. */
  okCalls: number;
  /** Model calls that failed (the unknown model). */
  failedCalls: number;
  /** Calls the budget stopped before their request left. */
  blockedCalls: number;
  /** Calls the runaway loop made before the budget stopped it. */
  loopCalls: number;
}

/** Where the demo writes and what it runs against. */
export interface StackDemoOptions {
  /** Tokens and the summary. @default process.stdout */
  out?: NodeJS.WritableStream;
  /** The JSON log file. @default `<tmpdir>/chainwatch-stack-demo-<pid>.log` */
  logFile?: string;
  /** Port of /metrics; 0 picks a free one. @default METRICS_PORT, else 9464 (a busy port falls back to a free one) */
  metricsPort?: number;
  /** The registry the metrics go to. @default a new one */
  registry?: Registry;
  /** Streaming pace of the embedded server, tokens per second; 0 streams as fast as it can. @default 0 */
  tokensPerSecond?: number;
}

/** A running demo: the stack, and the workload to run through it. */
export interface StackDemo {
  stack: Observability;
  registry: Registry;
  logFile: string;
  live: boolean;
  /** Runs the chain, the agent, the failing call and the runaway loop once. */
  runWorkload(): Promise<WorkloadResult>;
  /** Prints the /metrics summary, the cost table and where to look. */
  report(result: WorkloadResult): Promise<void>;
  close(): Promise<void>;
}

function isAddressInUse(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "EADDRINUSE";
}

/** Starts the embedded server (or picks the real API), the stack and its metrics server. */
export async function startStackDemo(options: StackDemoOptions = {}): Promise<StackDemo> {
  const out = options.out ?? process.stdout;
  const write = (text: string) => void out.write(text);
  const agentTurn = weatherAgentScript("Lisbon");
  const {
    model,
    live,
    server,
    close: closeModel,
  } = await exampleModel(
    (request) =>
      request.body?.model === MISSING_MODEL
        ? {
            status: 404,
            error: {
              message: `The model \`${MISSING_MODEL}\` does not exist`,
              type: "invalid_request_error",
              code: "model_not_found",
            },
          }
        : request.body?.tools?.length
          ? // The agent's second turn resends the first one's prefix (tool definitions, question): the provider
            // serves part of it from its prompt cache, which the cache panels and the cost table show.
            {
              ...agentTurn(request),
              ...(hasToolResult(request) ? { usage: { cachedTokens: DEMO_CACHED_TOKENS } } : {}),
            }
          : {},
    {},
    // Usage is counted from the text sent and received (o200k_base), as the API reports it.
    { tokensPerSecond: options.tokensPerSecond ?? 0 },
  );
  const missing = server
    ? fakeChatOpenAI(server, { model: MISSING_MODEL })
    : new ChatOpenAI({ model: MISSING_MODEL, apiKey: process.env.OPENAI_API_KEY, maxRetries: 0 });

  // Traces: each finished trace as a tree (kept to print the agent's), and OTLP when a collector is configured.
  const trees: string[] = [];
  const spanProcessors: SpanProcessor[] = [
    new SimpleSpanProcessor(new TreeSpanExporter({ write: (tree) => trees.push(tree) })),
  ];
  if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT) {
    spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter()));
  }
  const tracerProvider = new BasicTracerProvider({ spanProcessors });

  const registry = options.registry ?? new Registry();
  const logFile = options.logFile ?? join(tmpdir(), `chainwatch-stack-demo-${process.pid}.log`);
  const destination = pino.destination({ dest: logFile, sync: false });
  const build = (port: number) =>
    createObservability({
      logger: pino({ level: "debug" }, destination),
      registry,
      metrics: { labels: { service: "chainwatch-demo" } },
      // Per run tree: the chain and the agent stay well under it; the runaway loop does not.
      budget: { perTraceUsd: live ? 0.0001 : 0.00005, onBudgetExceeded: () => {} },
      stdout: { stream: out, show: "final", errorOutput: false },
      metricsServer: { port },
      tracing: { tracerProvider, spans: "genai" },
    });
  const port = options.metricsPort ?? Number(process.env.METRICS_PORT ?? 9464);
  let stack: Observability;
  try {
    stack = await build(port);
  } catch (error) {
    if (!isAddressInUse(error)) throw error;
    stack = await build(0);
    write(`(port ${port} is busy: serving /metrics on ${stack.metricsServer?.url})\n`);
  }
  const { callbacks } = stack;

  /** A section header, once the previous section's tokens are all out (callbacks run on a background queue). */
  async function section(title: string): Promise<void> {
    await awaitAllCallbacks();
    write(`\n▶ ${title}\n`);
  }

  async function runWorkload(): Promise<WorkloadResult> {
    const result: WorkloadResult = { okCalls: 0, failedCalls: 0, blockedCalls: 0, loopCalls: 0 };
    await section(
      "a chain (prompt | model | parser); the prompt carries an email address and a phone number",
    );
    const chain = ChatPromptTemplate.fromMessages([
      ["system", "You answer in one short sentence."],
      ["human", "{question}"],
    ])
      .pipe(model)
      .pipe(new StringOutputParser());
    await chain.invoke(
      { question: `I'm ${DEMO_PII.email}, call me on ${DEMO_PII.phone}. What does chainwatch watch?` },
      { callbacks },
    );
    result.okCalls += 1;

    await section("a tool-calling agent (get_weather); the question carries a card number");
    await weatherAgent(model).invoke(
      {
        messages: [
          { role: "user", content: `My card ${DEMO_PII.card} is on file. What is the weather in Lisbon?` },
        ],
      },
      { callbacks },
    );
    result.okCalls += 2;
    await awaitAllCallbacks();
    write(
      `\n── the agent run's trace (OpenTelemetry GenAI spans, @chainwatch/otel-tracing) ──\n${trees.at(-1) ?? ""}`,
    );

    await section(`a call to a model that does not exist (${MISSING_MODEL})`);
    try {
      await missing.invoke("Hello?", { callbacks });
    } catch (error) {
      result.failedCalls += 1;
      const status = (error as { status?: unknown }).status;
      write(`✗ failed${typeof status === "number" ? ` with HTTP ${status}` : ""}: counted as an error\n`);
    }

    await section("a runaway loop in one run tree, stopped by the per-trace budget");
    // LangChain prints its own "Error in handler …" line on stderr for any handler that refuses a call, before the
    // error reaches the caller: @langchain/core offers a plain model no quieter way to refuse. Say so up front.
    write(
      '(LangChain prints an "Error in handler" line when the budget refuses a call; the caught error below is the report)\n',
    );
    const loop = RunnableLambda.from(async (_input: string, config) => {
      for (;;) {
        await model.invoke(`Step ${result.loopCalls + 1}: keep going.`, config);
        result.loopCalls += 1;
      }
    }).withConfig({ runName: "runaway_loop" });
    try {
      await loop.invoke("go", { callbacks });
    } catch (error) {
      if (!(error instanceof BudgetExceededError)) throw error;
      result.blockedCalls += 1;
      await awaitAllCallbacks();
      write(`■ stopped after ${result.loopCalls} calls: ${error.message}\n`);
    }
    result.okCalls += result.loopCalls;
    await awaitAllCallbacks();
    return result;
  }

  async function report(result: WorkloadResult): Promise<void> {
    await awaitAllCallbacks();
    await stack.handlers.logger?.flush();
    const url = stack.metricsServer?.url ?? "";
    const text = await (await fetch(url)).text();
    const total = (name: string, match = "") =>
      text
        .split("\n")
        .filter((line) => line.startsWith(`${name}{`) && line.includes(match))
        .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)), 0);
    const { cost } = stack.handlers;
    write(`\n=== /metrics, summarised (${url}) ===\n`);
    write(
      `  LLM calls    ${total("langchain_runs_total", 'run_type="llm",status="ok"')} ok, ` +
        `${total("langchain_runs_total", 'run_type="llm",status="error"')} failed, ` +
        `${result.blockedCalls} stopped by the budget before sending\n`,
    );
    write(
      `  tokens       ${total("langchain_input_tokens_total")} input ` +
        `(${total("langchain_cache_read_tokens_total")} cached), ${total("langchain_output_tokens_total")} output\n`,
    );
    write(`  tool calls   ${total("gen_ai_execute_tool_duration_seconds_count")}\n`);
    write(`  cost         ${formatUsd(total("langchain_cost_usd_total"))} (langchain_cost_usd_total)\n`);
    write(
      `  budget       ${total("langchain_budget_exceeded_total")} limit reached (langchain_budget_exceeded_total)\n`,
    );

    write("\n=== cost by model (@chainwatch/token-cost) ===\n");
    write(cost.table());

    write("\n=== where to look ===\n");
    write(`  JSON logs (redacted):  ${logFile}\n`);
    write(
      `  metrics:               ${url}${process.env.KEEP_SERVING ? "" : " (up while the demo runs; KEEP_SERVING=1 keeps it)"}\n`,
    );
    write("  Prometheus + Grafana:  examples/observability/ (prometheus.yml, alert rules, dashboard)\n");
    write(
      `  traces:                ${process.env.OTEL_EXPORTER_OTLP_ENDPOINT ? `sent over OTLP to ${process.env.OTEL_EXPORTER_OTLP_ENDPOINT}` : "set OTEL_EXPORTER_OTLP_ENDPOINT to send them to a collector"}\n`,
    );
  }

  return {
    stack,
    registry,
    logFile,
    live,
    runWorkload,
    report,
    close: async () => {
      await stack.close();
      await tracerProvider.shutdown();
      destination.end();
      await closeModel();
    },
  };
}

export async function main(): Promise<void> {
  const pace = Number(process.env.DEMO_TOKENS_PER_SECOND ?? DEMO_TOKENS_PER_SECOND);
  const demo = await startStackDemo({ tokensPerSecond: Number.isFinite(pace) && pace >= 0 ? pace : 0 });
  try {
    process.stdout.write(
      demo.live
        ? "chainwatch stack demo — using the real OpenAI API (OPENAI_API_KEY is set)\n"
        : "chainwatch stack demo — no OPENAI_API_KEY: using the embedded OpenAI-compatible server on 127.0.0.1\n",
    );
    process.stdout.write(`metrics at ${demo.stack.metricsServer?.url}, JSON logs in ${demo.logFile}\n`);
    const result = await demo.runWorkload();
    await demo.report(result);
    if (process.env.KEEP_SERVING) {
      process.stdout.write(`\nServing ${demo.stack.metricsServer?.url} until Ctrl-C\n`);
      await new Promise((resolve) => process.once("SIGINT", resolve));
    }
    process.stdout.write("\nstack demo finished\n");
  } finally {
    await demo.close();
  }
}

runIfMain(import.meta.url, main);
