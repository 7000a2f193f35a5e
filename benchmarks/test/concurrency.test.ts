// 1,000 concurrent runs through every handler at once: nothing mixes. Each run streams its own token text and
// its own token count, and every handler's per-run record and total must add up exactly.
// Then 1,000 concurrent ChatOpenAI calls over HTTP through createObservability, with slow calls (the server waits
// past runs.ttlMs) in the mix: each counted once with its real status, and with a budget none sent past the limit.
import { PassThrough } from "node:stream";
import { createObservability, type Observability } from "@chainwatch/observability";
import { withRedaction } from "@chainwatch/pii-redact";
import { PinoCallbackHandler } from "@chainwatch/pino-logger";
import { PrometheusCallbackHandler } from "@chainwatch/prometheus-metrics";
import { StdoutStreamCallbackHandler } from "@chainwatch/stdout-stream";
import {
  captureConsole,
  type FakeOpenAI,
  type FakeReply,
  fakeChatOpenAI,
  InProcessChatModel,
  lastUserMessage,
  type RecordedRequest,
  startFakeOpenAI,
} from "@chainwatch/testkit";
import { BudgetExceededError, TokenCostCallbackHandler } from "@chainwatch/token-cost";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { metricValue, tallyingDestination } from "../src/slow-mix.js";

const RUNS = 1_000;
const tokensOf = (index: number) => (index % 7) + 1;

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk: Buffer) => {
    text += chunk.toString("utf8");
  });
  return { stream, text: () => text };
}

describe("1,000 concurrent runs through all handlers", () => {
  it("every log record, cost record, metric and printed block belongs to its own run", {
    timeout: 120_000,
  }, async () => {
    const logs = capture();
    const printed = capture();
    const registry = new Registry();
    const logger = new PinoCallbackHandler({
      logger: pino({ level: "info" }, logs.stream),
      content: "full",
      metadataKeys: ["run_index"],
    });
    const costRecords: { runId: string; output: number }[] = [];
    const cost = new TokenCostCallbackHandler({
      onRecord: (record) => costRecords.push({ runId: record.runId, output: record.tokens.outputTokens }),
    });
    const metrics = new PrometheusCallbackHandler({ registry });
    const stdout = new StdoutStreamCallbackHandler({
      stream: printed.stream,
      concurrency: "exclusive",
      errorOutput: false,
    });
    // All five: pii-redact in front of the two handlers that see content.
    const callbacks = [withRedaction(logger), cost, metrics, withRedaction(stdout)];

    const results = await Promise.all(
      Array.from({ length: RUNS }, async (_, index) => {
        const model = new InProcessChatModel({ tokens: tokensOf(index), token: `r${index} ` });
        let text = "";
        for await (const chunk of await model.stream(`run ${index}`, {
          callbacks,
          metadata: { run_index: index },
        })) {
          text += String(chunk.content);
        }
        return text;
      }),
    );
    await awaitAllCallbacks();
    for (const [index, text] of results.entries()) expect(text).toBe(`r${index} `.repeat(tokensOf(index)));

    // pino: one llm.end per run, with that run's own output tokens and text.
    const ends = logs
      .text()
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((record) => record.msg === "llm.end");
    expect(ends).toHaveLength(RUNS);
    const indexByRun = new Map<string, number>();
    for (const record of ends) {
      const index = (record.metadata as { run_index: number }).run_index;
      indexByRun.set(String(record.run_id), index);
      expect((record.usage as { output: number }).output).toBe(tokensOf(index));
      expect(JSON.stringify(record.output)).toContain(`r${index} `);
      expect(JSON.stringify(record.output)).not.toMatch(new RegExp(`r(?!${index} )\\d+ `));
    }
    expect(indexByRun.size).toBe(RUNS);

    // token-cost: one record per run, each with its own count; the total is the exact sum.
    expect(costRecords).toHaveLength(RUNS);
    for (const record of costRecords)
      expect(record.output).toBe(tokensOf(indexByRun.get(record.runId) ?? -1));
    const expectedOutput = Array.from({ length: RUNS }, (_, index) => tokensOf(index)).reduce(
      (a, b) => a + b,
      0,
    );
    expect(cost.totals.tokens.outputTokens).toBe(expectedOutput);
    expect(cost.totals.calls).toBe(RUNS);

    // prometheus: the output-token counter and the call count add up exactly.
    const json = await registry.getMetricsAsJSON();
    const sum = (name: RegExp) =>
      json
        .filter((metric) => name.test(metric.name))
        .flatMap((metric) => metric.values)
        .reduce((total, value) => total + value.value, 0);
    expect(sum(/^langchain_output_tokens_total$/)).toBe(expectedOutput);
    const duration = json.find((metric) => metric.name === "gen_ai_client_operation_duration_seconds");
    const count = duration?.values
      .filter((value) => (value as { metricName?: string }).metricName?.endsWith("_count"))
      .reduce((total, value) => total + value.value, 0);
    expect(count).toBe(RUNS);

    // stdout (exclusive): each run's answer is printed once, as one unbroken block.
    const out = printed.text();
    for (let index = 0; index < RUNS; index++) {
      const block = `r${index} `.repeat(tokensOf(index));
      expect(out.split(`${block}\n`).length - 1, `run ${index} printed once, unbroken`).toBe(1);
    }
    for (const handler of [logger, cost, metrics, stdout]) expect(handler.activeRunCount).toBe(0);
  });
});

// The mix, by call index (mod 10): 0 slow answer, 1 slow 500 (both wait SLOW_DELAY_MS, three times the stack's
// runs.ttlMs), 2 a 500, 3 a 429, 4 a stream read to its end, 5 a stream broken out of after its first chunks
// (abandoned: LangChain sends no end), the rest plain invokes.
const STACK_TTL_MS = 100;
const SLOW_DELAY_MS = 300;
const USAGE = { promptTokens: 1, completionTokens: 5 };
type Outcome = "ok" | "error" | "abandoned";
const OUTCOME: readonly Outcome[] = [
  "ok",
  "error",
  "error",
  "error",
  "ok",
  "abandoned",
  "ok",
  "ok",
  "ok",
  "ok",
];

function replyFor(request: RecordedRequest): FakeReply {
  const index = Number(lastUserMessage(request).replace("call ", ""));
  switch (index % 10) {
    case 0:
      return { content: `slow ${index}`, usage: USAGE, delayMs: SLOW_DELAY_MS };
    case 1:
      return { status: 500, error: { message: "slow upstream broke" }, delayMs: SLOW_DELAY_MS };
    case 2:
      return { status: 500, error: { message: "upstream broke" } };
    case 3:
      return { status: 429, error: { message: "slow down" } };
    case 5:
      // Slow chunks, so the consumer's break comes before the end.
      return { content: `a b c d e ${index}`, usage: USAGE, chunkDelayMs: 20 };
    default:
      return { content: `answer ${index}`, usage: USAGE };
  }
}

/** One call of the mix, through ChatOpenAI; what the caller saw. */
async function call(server: FakeOpenAI, stack: Observability, index: number): Promise<Outcome | "refused"> {
  const model = fakeChatOpenAI(server);
  const config = { callbacks: stack.callbacks };
  try {
    if (index % 10 === 4 || index % 10 === 5) {
      let chunks = 0;
      for await (const _ of await model.stream(`call ${index}`, config)) {
        if (index % 10 === 5 && ++chunks === 3) return "abandoned";
      }
      return "ok";
    }
    await model.invoke(`call ${index}`, config);
    return "ok";
  } catch (error) {
    return error instanceof BudgetExceededError ? "refused" : "error";
  }
}

/**
 * Runs the 1,000 calls, in `waves` bursts of concurrent calls one after the other, while Prometheus scrapes every
 * 20 ms (each scrape sweeps idle runs).
 */
async function burst(server: FakeOpenAI, stack: Observability, registry: Registry, waves = 1) {
  let scrapes = 0;
  const scraper = setInterval(() => {
    scrapes++;
    void registry.metrics();
  }, 20);
  try {
    const outcomes: (Outcome | "refused")[] = [];
    const size = RUNS / waves;
    for (let wave = 0; wave < waves; wave++) {
      const indexes = Array.from({ length: size }, (_, offset) => wave * size + offset);
      outcomes.push(...(await Promise.all(indexes.map((index) => call(server, stack, index)))));
    }
    await awaitAllCallbacks();
    // Abandoned streams leave after ttlMs of silence; every other run has ended by now.
    await new Promise((resolve) => setTimeout(resolve, STACK_TTL_MS * 2));
    await registry.metrics();
    const count = (outcome: Outcome | "refused") => outcomes.filter((seen) => seen === outcome).length;
    return {
      outcomes,
      scrapes,
      ok: count("ok"),
      error: count("error"),
      abandoned: count("abandoned"),
      refused: count("refused"),
    };
  } finally {
    clearInterval(scraper);
  }
}

describe("1,000 concurrent ChatOpenAI calls through createObservability, slow calls in the mix", () => {
  let server: FakeOpenAI;
  beforeAll(async () => {
    server = await startFakeOpenAI(replyFor);
  });
  afterAll(() => server.close());

  async function build(budget?: { totalUsd: number; maxOutputTokens: number }) {
    const registry = new Registry();
    const log = tallyingDestination();
    const stack = await createObservability({
      registry,
      logger: pino({ level: "info" }, log),
      runs: { ttlMs: STACK_TTL_MS },
      ...(budget ? { budget } : {}),
    });
    return { registry, log, stack };
  }

  it("slow calls are never abandoned; metrics, cost handler and log count each call once, alike", {
    timeout: 120_000,
  }, async () => {
    const { registry, log, stack } = await build();
    server.clearRequests();
    const result = await burst(server, stack, registry);
    expect(result.scrapes).toBeGreaterThan(SLOW_DELAY_MS / 20 / 2);
    for (const [index, outcome] of result.outcomes.entries())
      expect(outcome, `call ${index}`).toBe(OUTCOME[index % 10]);
    expect(server.completions()).toHaveLength(RUNS);

    const runs = (status: string) =>
      metricValue(registry, "langchain_runs_total", { run_type: "llm", status });
    expect(await runs("ok")).toBe(result.ok);
    expect(await runs("error")).toBe(result.error);
    expect(await runs("abandoned")).toBe(result.abandoned);
    expect(await metricValue(registry, "langchain_runs_in_flight")).toBe(0);

    const { cost } = stack.handlers;
    expect(cost.totals.calls).toBe(result.ok);
    expect(cost.totals.failedCalls).toBe(result.error);
    expect(cost.totals.tokens.inputTokens).toBe(result.ok * USAGE.promptTokens);
    expect(cost.totals.tokens.outputTokens).toBe(result.ok * USAGE.completionTokens);
    expect(await metricValue(registry, "langchain_input_tokens_total")).toBe(result.ok * USAGE.promptTokens);
    expect(await metricValue(registry, "langchain_output_tokens_total")).toBe(
      result.ok * USAGE.completionTokens,
    );
    expect(cost.totals.costUsd).toBeGreaterThan(0);
    expect(await metricValue(registry, "langchain_cost_usd_total")).toBeCloseTo(cost.totals.costUsd, 12);
    expect(log.tally).toMatchObject({
      ends: result.ok,
      errors: result.error,
      inputTokens: result.ok * USAGE.promptTokens,
      outputTokens: result.ok * USAGE.completionTokens,
      unparsed: 0,
    });
    expect(log.tally.costUsd).toBeCloseTo(cost.totals.costUsd, 12);
    await stack.close();
  });

  it("with a budget, no call is sent past the limit; a refused call leaves nothing in flight", {
    timeout: 120_000,
  }, async () => {
    // $0.00000315 an answered call (1 input + 5 output tokens of gpt-4o-mini), more reserved at its start (the
    // prompt's estimated tokens). Four waves of 250 concurrent calls, so that later waves meet the costs settled
    // by the earlier ones and the limit, not the reservations, is what refuses calls.
    const limitUsd = 0.0008;
    const { registry, log, stack } = await build({
      totalUsd: limitUsd,
      maxOutputTokens: USAGE.completionTokens,
    });
    server.clearRequests();
    // LangChain prints one line per refused call; nothing else (in throw mode the refusal is the report).
    const output = captureConsole();
    let result: Awaited<ReturnType<typeof burst>>;
    try {
      result = await burst(server, stack, registry, 4);
    } finally {
      output.restore();
    }
    expect(result.refused).toBeGreaterThan(0);
    expect(result.refused).toBeLessThan(RUNS);
    // Every call was either sent or refused before its request; what was sent cost no more than the limit.
    expect(server.completions()).toHaveLength(RUNS - result.refused);
    const { cost } = stack.handlers;
    expect(cost.totals.costUsd).toBeLessThanOrEqual(limitUsd);
    // ...and the limit is what refused the rest (abandoned streams' reservations hold part of it until they expire).
    expect(cost.totals.costUsd).toBeGreaterThan(limitUsd / 2);
    expect(cost.totals.calls).toBe(result.ok);
    const refusalLines = output.lines.filter((line) =>
      /^error: Error in handler CombinedCallbackHandler, handleLLMStart: BudgetExceededError: Total budget/.test(
        line,
      ),
    );
    expect(refusalLines).toHaveLength(result.refused);
    const others = output.lines.filter((line) => !refusalLines.includes(line));
    expect(others).toEqual([]);

    // Metrics: a refused call was never made. It leaves nothing in flight and is counted once, as abandoned (no
    // end event comes for it), never as ok or error, and never in the operation histogram.
    const runs = (status: string) =>
      metricValue(registry, "langchain_runs_total", { run_type: "llm", status });
    expect(await runs("ok")).toBe(result.ok);
    expect(await runs("error")).toBe(result.error);
    expect(await runs("abandoned")).toBe(result.abandoned + result.refused);
    expect(await metricValue(registry, "langchain_runs_in_flight")).toBe(0);
    // The budget's own figures: each refusal counted once, the spend as the cost handler has it, nothing held.
    expect(
      await metricValue(registry, "langchain_budget_refusals_total", { limit: "total", reason: "exceeded" }),
    ).toBe(result.refused);
    expect(await metricValue(registry, "langchain_budget_spent_usd_total", { limit: "total" })).toBeCloseTo(
      cost.totals.costUsd,
      12,
    );
    const duration = "gen_ai_client_operation_duration_seconds";
    expect(await metricValue(registry, duration, {}, `${duration}_count`)).toBe(result.ok + result.error);
    expect(await metricValue(registry, "langchain_cost_usd_total")).toBeCloseTo(cost.totals.costUsd, 12);
    expect(log.tally.ends).toBe(result.ok);
    expect(log.tally.errors).toBe(result.error);
    expect(log.tally.costUsd).toBeCloseTo(cost.totals.costUsd, 12);
    await stack.close();
  });
});
