import { Writable } from "node:stream";
import { CombinedCallbackHandler } from "@chainwatch/core";
import { PiiDetectedError, RedactingCallbackHandler } from "@chainwatch/pii-redact";
import { PinoCallbackHandler } from "@chainwatch/pino-logger";
import { PrometheusCallbackHandler } from "@chainwatch/prometheus-metrics";
import { StdoutStreamCallbackHandler } from "@chainwatch/stdout-stream";
import {
  captureConsole,
  type FakeOpenAI,
  fakeChatOpenAI,
  manualClock,
  promptChain,
  startFakeOpenAI,
  weatherAgent,
  weatherAgentScript,
} from "@chainwatch/testkit";
import { TokenCostCallbackHandler } from "@chainwatch/token-cost";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { DynamicTool } from "@langchain/core/tools";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createObservability } from "../src/index.js";
import { captureLogger, captureStream, sumSamples } from "./helpers.js";

let server: FakeOpenAI;
beforeAll(async () => {
  server = await startFakeOpenAI();
});
afterAll(async () => {
  await server.close();
});

const USAGE = { promptTokens: 2000, cachedTokens: 500, completionTokens: 400 };

function agentAndChainScript() {
  const agentTurn = weatherAgentScript("Lisbon");
  server.setScript((request) => ({
    ...(request.body?.tools ? agentTurn(request) : { content: "Chainwatch watches runs." }),
    usage: USAGE,
  }));
}

describe("createObservability", () => {
  it("builds cost, metrics, logs and token streaming in one call, cost flowing into metrics and logs", async () => {
    agentAndChainScript();
    const registry = new Registry();
    const logs = captureLogger();
    const out = captureStream();
    const stack = await createObservability({
      logger: logs.logger,
      registry,
      stdout: { stream: out.stream, show: "final" },
      metricsServer: { port: 0 },
    });
    const { cost, metrics, logger, stdout } = stack.handlers;
    expect(cost).toBeInstanceOf(TokenCostCallbackHandler);
    expect(metrics).toBeInstanceOf(PrometheusCallbackHandler);
    expect(logger).toBeInstanceOf(PinoCallbackHandler);
    expect(stdout).toBeInstanceOf(StdoutStreamCallbackHandler);
    // The logs and the stream behind redaction; cost and metrics never see content.
    const { redacted } = stack.handlers;
    expect(redacted.logger).toBeInstanceOf(RedactingCallbackHandler);
    expect(redacted.stdout).toBeInstanceOf(RedactingCallbackHandler);
    // One handler for LangChain to dispatch to, handing each event to the parts in this order.
    expect(stack.callbacks).toHaveLength(1);
    expect(stack.callbacks[0]).toBeInstanceOf(CombinedCallbackHandler);
    expect(stack.callbacks[0].handlers).toEqual([cost, metrics, redacted.logger, redacted.stdout]);

    const model = fakeChatOpenAI(server);
    await promptChain(model).invoke({ question: "What is chainwatch?" }, { callbacks: stack.callbacks });
    await weatherAgent(model).invoke(
      { messages: [{ role: "user", content: "Weather in Lisbon?" }] },
      { callbacks: stack.callbacks },
    );
    const url = stack.metricsServer?.url ?? "";
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    await stack.close();

    // Three model calls (one in the chain, two in the agent), each $0.0005025 on gpt-4o-mini.
    expect(cost.totals.calls).toBe(3);
    expect(cost.costUsd).toBeCloseTo(3 * 0.0005025, 15);
    const exposition = await registry.metrics();
    expect(sumSamples(exposition, "langchain_cost_usd_total")).toBeCloseTo(cost.costUsd, 15);
    expect(sumSamples(exposition, "langchain_input_tokens_total")).toBe(6000);
    const ends = logs.records().filter((record) => record.msg === "llm.end");
    expect(ends).toHaveLength(3);
    expect(ends.reduce((sum, record) => sum + (record.cost_usd as number), 0)).toBeCloseTo(cost.costUsd, 15);
    // show: "final": the chain's answer and the agent's final answer, not its tool-calling turn.
    expect(out.text()).toContain("Chainwatch watches runs.\n");
    expect(out.text()).toContain("Lisbon");
    // close() stopped the metrics server.
    await expect(fetch(url)).rejects.toThrow();
  });

  it("serves the registry while it runs", async () => {
    server.setScript({ usage: { promptTokens: 100, completionTokens: 20 } });
    const registry = new Registry();
    const stack = await createObservability({ registry, metricsServer: { port: 0 } });
    try {
      await fakeChatOpenAI(server).invoke("hello", { callbacks: stack.callbacks });
      await awaitAllCallbacks();
      const text = await (await fetch(stack.metricsServer?.url ?? "")).text();
      // 100 × $0.15/M + 20 × $0.60/M.
      expect(sumSamples(text, "langchain_cost_usd_total")).toBeCloseTo(0.000027, 15);
      expect(sumSamples(text, "langchain_runs_total", 'run_type="llm"')).toBe(1);
    } finally {
      await stack.close();
      await stack.close();
    }
  });

  it("a budget stops the next call before its request leaves", async () => {
    server.setScript({ usage: USAGE });
    const registry = new Registry();
    const exceeded: string[] = [];
    const stack = await createObservability({
      registry,
      budget: { totalUsd: 0.0005, onBudgetExceeded: (event) => exceeded.push(event.scope) },
    });
    const model = fakeChatOpenAI(server);
    const before = server.requests.length;
    await model.invoke("first", { callbacks: stack.callbacks });
    const output = captureConsole();
    try {
      await expect(model.invoke("second", { callbacks: stack.callbacks })).rejects.toThrow(/budget/i);
      await stack.close();
    } finally {
      output.restore();
    }
    // LangChain may print the refusal itself (until the budget refuses without it): that line only.
    for (const line of output.lines) {
      expect(line).toMatch(
        /^error: Error in handler CombinedCallbackHandler, handleLLMStart: BudgetExceededError/,
      );
    }
    expect(server.requests.length - before).toBe(1);
    expect(stack.handlers.cost.totals.calls).toBe(1);
    expect(exceeded).toEqual(["total"]);
    const exposition = await registry.metrics();
    expect(sumSamples(exposition, "langchain_runs_total", 'status="ok"')).toBe(1);
  });

  it("logger as the log handler's options; metrics off; no stdout unless asked", async () => {
    server.setScript({ content: "secret answer", usage: { promptTokens: 1, completionTokens: 1 } });
    const logs = captureLogger();
    const stack = await createObservability({
      logger: { logger: logs.logger, content: "none" },
      metrics: false,
    });
    expect(stack.handlers.metrics).toBeUndefined();
    expect(stack.handlers.stdout).toBeUndefined();
    expect(stack.metricsServer).toBeUndefined();
    expect(stack.callbacks[0].handlers).toEqual([stack.handlers.cost, stack.handlers.redacted.logger]);
    await fakeChatOpenAI(server).invoke("hi", { callbacks: stack.callbacks });
    await stack.close();
    const [end] = logs.records().filter((record) => record.msg === "llm.end");
    expect(end?.cost_usd).toBeCloseTo(0.00000075, 15);
    expect(logs.lines.join("")).not.toContain("secret answer");
  });

  it("hands every handler's own failures to onHandlerError", async () => {
    server.setScript({ usage: { promptTokens: 1, completionTokens: 1 } });
    const failures: string[] = [];
    const logs = captureLogger();
    const stack = await createObservability({
      registry: new Registry(),
      logger: {
        logger: logs.logger,
        mask: () => {
          throw new Error("mask broke");
        },
      },
      onHandlerError: (_error, context) => failures.push(`${context.handler}.${context.method}`),
    });
    await fakeChatOpenAI(server).invoke("hi", { callbacks: stack.callbacks });
    await stack.close();
    expect(failures).toContain("pino_logger.handleLLMEnd");
  });

  it("redacts personal data in the logs and the token stream by default; redact: false turns it off", async () => {
    const email = "maria.gonzalez@example.org";
    const card = "4111 1111 1111 1111";
    server.setScript((request) => ({
      content: `Refund sent for card ${card}; confirmation to ${email}.`,
      usage: { promptTokens: 40, completionTokens: 12 },
      chunkDelayMs: request.body?.stream ? 1 : 0,
    }));
    const run = async (redact: boolean) => {
      const logs = captureLogger();
      const out = captureStream();
      const stack = await createObservability({
        registry: new Registry(),
        logger: logs.logger,
        stdout: { stream: out.stream },
        redact,
      });
      await fakeChatOpenAI(server).invoke(`I'm ${email}, card ${card} was charged twice`, {
        callbacks: stack.callbacks,
      });
      await stack.close();
      return { logs: logs.lines.join(""), stdout: out.text(), stack };
    };
    const safe = await run(true);
    for (const raw of [email, card]) {
      expect(safe.logs).not.toContain(raw);
      expect(safe.stdout).not.toContain(raw);
    }
    expect(safe.logs).toContain("[EMAIL]");
    expect(safe.stdout).toContain("[EMAIL]");
    expect(safe.stack.handlers.cost.totals.tokens.totalTokens).toBe(52);
    const raw = await run(false);
    expect(raw.stack.handlers.redacted).toEqual({ logger: undefined, stdout: undefined });
    expect(raw.logs).toContain(email);
    expect(raw.stdout).toContain(email);
  });

  it("a tool input the stream prints (progress.toolInput) is redacted", async () => {
    const email = "maria.gonzalez@example.org";
    const out = captureStream();
    const stack = await createObservability({
      registry: new Registry(),
      logger: captureLogger().logger,
      stdout: { stream: out.stream, format: "ndjson", progress: { toolInput: true } },
    });
    expect(stack.handlers.redacted.stdout?.recordedContent).toEqual({
      content: "full",
      inputs: true,
      chains: false,
    });
    const lookup = new DynamicTool({
      name: "lookup",
      description: "Look a customer up.",
      func: async (who: string) => `found ${who.length} records`,
    });
    await lookup.invoke(email, { callbacks: stack.callbacks });
    await stack.close();
    const printed = out.text();
    expect(printed).toContain('"tool-start"');
    expect(printed).toContain("[EMAIL]");
    expect(printed).not.toContain(email);
  });

  it("piiGuard stops a call whose prompt carries a card number before its request leaves", async () => {
    server.setScript({ usage: { promptTokens: 1, completionTokens: 1 } });
    const stack = await createObservability({
      registry: new Registry(),
      piiGuard: { mode: "block", types: ["CREDIT_CARD"] },
    });
    expect(stack.callbacks[0].handlers[0]).toBe(stack.handlers.piiGuard);
    const before = server.requests.length;
    const output = captureConsole();
    try {
      await expect(
        fakeChatOpenAI(server).invoke("card 4111 1111 1111 1111", { callbacks: stack.callbacks }),
      ).rejects.toBeInstanceOf(PiiDetectedError);
      await awaitAllCallbacks();
    } finally {
      output.restore();
    }
    for (const line of output.lines) {
      expect(line).toMatch(
        /^error: Error in handler CombinedCallbackHandler, handleLLMStart: PiiDetectedError/,
      );
    }
    await fakeChatOpenAI(server).invoke("no card here", { callbacks: stack.callbacks });
    await stack.close();
    expect(server.requests.length - before).toBe(1);
  });

  it("rejects bad options with the bad value named", async () => {
    await expect(createObservability({ stdout: "yes" as never })).rejects.toThrow(
      'createObservability: stdout must be a boolean or an options object, got "yes"',
    );
    await expect(createObservability({ metrics: false, metricsServer: true })).rejects.toThrow(
      "metricsServer needs metrics",
    );
    await expect(createObservability({ logger: "info" as never })).rejects.toThrow(
      "logger must be a pino logger",
    );
    await expect(createObservability({ redact: "on" as never })).rejects.toThrow(
      'redact must be a boolean, a Redactor or redactor options, got "on"',
    );
    await expect(createObservability({ onHandlerError: 1 as never })).rejects.toThrow(
      "onHandlerError must be a function, got 1",
    );
    await expect(
      createObservability({ metrics: { prefix: "bad prefix" }, registry: new Registry() }),
    ).rejects.toThrow("PrometheusCallbackHandler: prefix");
  });

  it("refuses unknown keys, naming the key and the closest known one", async () => {
    await expect(createObservability({ metricServer: { port: 0 } } as never)).rejects.toThrow(
      /createObservability: unknown option "metricServer"\. Did you mean "metricsServer"\?/,
    );
    await expect(createObservability({ runs: { ttl: 10 } } as never)).rejects.toThrow(
      /unknown option "runs\.ttl"\. Did you mean "runs\.ttlMs"\?/,
    );
    await expect(createObservability({ closeTimeoutMs: 0 })).rejects.toThrow(
      "closeTimeoutMs must be a positive number of milliseconds, got 0",
    );
  });

  it("one runs option reaches every part, the redaction wrappers included", async () => {
    const clock = manualClock(1_000);
    const ttlMs = 1_000;
    const stack = await createObservability({
      logger: captureLogger().logger,
      registry: new Registry(),
      stdout: { stream: captureStream().stream },
      piiGuard: { mode: "audit" },
      runs: { ttlMs, now: clock.now },
    });
    server.setScript({ content: "one two three four five six seven eight", chunkDelayMs: 5 });
    // A stream the consumer breaks out of never ends: every part holds it until its TTL.
    for await (const chunk of await fakeChatOpenAI(server).stream("break early", {
      callbacks: stack.callbacks,
    })) {
      if (String(chunk.content).length > 0) break;
    }
    await awaitAllCallbacks();
    const { cost, metrics, logger, stdout, piiGuard, redacted } = stack.handlers;
    // Every part holds the abandoned run, the guard too (it runs on core's run-event hooks).
    const parts = {
      piiGuard,
      cost,
      metrics,
      logger,
      stdout,
      redactedLogger: redacted.logger,
      redactedStdout: redacted.stdout,
    };
    const counts = () =>
      Object.fromEntries(Object.entries(parts).map(([name, part]) => [name, part?.activeRunCount]));
    expect(
      Object.values(counts()).every((count) => typeof count === "number" && count > 0),
      JSON.stringify(counts()),
    ).toBe(true);
    // Past the stack's TTL on the stack's clock: every part (with the default 10-minute TTL it would keep them).
    clock.advance(ttlMs + 1);
    expect(counts()).toEqual(Object.fromEntries(Object.keys(parts).map((name) => [name, 0])));
    await stack.close();
  });

  it("close() finishes within closeTimeoutMs when the token stream never drains, and stops /metrics anyway", async () => {
    // A terminal whose reader went away: nothing written is ever taken.
    const stuck = new Writable({ highWaterMark: 16, write: () => {} });
    const reports: { error: unknown; context: { method: string } }[] = [];
    const stack = await createObservability({
      registry: new Registry(),
      stdout: { stream: stuck },
      metricsServer: { port: 0 },
      closeTimeoutMs: 300,
      onHandlerError: (error, context) => reports.push({ error, context }),
    });
    server.setScript({ content: "word ".repeat(2_000) });
    await fakeChatOpenAI(server).invoke("a long answer", { callbacks: stack.callbacks });
    const url = stack.metricsServer?.url ?? "";
    expect((await fetch(url)).status).toBe(200);
    const started = performance.now();
    await stack.close();
    const elapsed = performance.now() - started;
    // The bound, plus scheduling slack on a loaded machine; without the bound this never resolves.
    expect(elapsed).toBeLessThan(3_000);
    await expect(fetch(url)).rejects.toThrow();
    const closeReports = reports.filter((report) => report.context.method.startsWith("close("));
    expect(closeReports).toHaveLength(1);
    expect(String(closeReports[0]?.error)).toMatch(/close\(\) gave up after 300 ms on: stdout/);
    // A second close() is the same promise: no second report.
    await stack.close();
    expect(reports.filter((report) => report.context.method.startsWith("close("))).toHaveLength(1);
  });
});
