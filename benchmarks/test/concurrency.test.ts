// 1,000 concurrent runs through every handler at once: nothing mixes. Each run streams its own token text and
// its own token count, and every handler's per-run record and total must add up exactly.
import { PassThrough } from "node:stream";
import { withRedaction } from "@chainwatch/pii-redact";
import { PinoCallbackHandler } from "@chainwatch/pino-logger";
import { PrometheusCallbackHandler } from "@chainwatch/prometheus-metrics";
import { StdoutStreamCallbackHandler } from "@chainwatch/stdout-stream";
import { InProcessChatModel } from "@chainwatch/testkit";
import { TokenCostCallbackHandler } from "@chainwatch/token-cost";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { pino } from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";

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
