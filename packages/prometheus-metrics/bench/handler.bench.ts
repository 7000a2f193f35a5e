/**
 * Cost of PrometheusCallbackHandler against the no-op handler, on the in-process chat model (no HTTP), in one
 * process: per LLM call, per streamed token, heap after 100,000 runs, and scrape time of a populated registry.
 *
 *   npm run bench --workspace @chainwatch/prometheus-metrics
 */
import { cpus } from "node:os";
import { InProcessChatModel, NoopCallbackHandler } from "@chainwatch/testkit";
import type { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { Registry } from "prom-client";
import { Bench } from "tinybench";
import { PrometheusCallbackHandler } from "../src/index.js";
import { callbacks } from "../test/helpers.js";

// Handlers run inline, so their cost lands inside the measured call instead of on the background queue.
process.env.LANGCHAIN_CALLBACKS_BACKGROUND = "false";

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");

function median(bench: Bench, name: string): number {
  const task = bench.getTask(name);
  const result = task?.result;
  if (result?.state !== "completed") throw new Error(`task ${name} did not complete`);
  return result.latency.p50 * 1000; // µs
}

async function drain(model: InProcessChatModel, handler: BaseCallbackHandler): Promise<void> {
  for await (const _ of await model.stream("bench", { callbacks: [handler] }));
}

function heapMb(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

async function main(): Promise<void> {
  const noop = new NoopCallbackHandler();
  const prometheus = new PrometheusCallbackHandler({ registry: new Registry() });
  const oneToken = new InProcessChatModel({ tokens: 1 });
  const tenTokens = new InProcessChatModel({ tokens: 10 });
  const manyTokens = new InProcessChatModel({ tokens: 60 });

  // Nine short rounds, alternating which handler goes first. Each figure is the median over rounds, and the
  // ratio is the median of the per-round ratios: the two sides of a round run back to back, so a burst of
  // noise from other processes on the machine lands in one round instead of on one side.
  const workloads: [string, (handler: BaseCallbackHandler) => Promise<void>][] = [
    ["invoke", (handler) => oneToken.invoke("bench", { callbacks: [handler] }).then(() => undefined)],
    ["stream 10 tokens", (handler) => drain(tenTokens, handler)],
    ["stream 60 tokens", (handler) => drain(manyTokens, handler)],
  ];
  const rounds: Record<string, number[]> = {};
  for (let round = 0; round < 9; round++) {
    gc?.();
    const bench = new Bench({ time: 400, warmupTime: 100 });
    for (const [label, run] of workloads) {
      const order: [string, BaseCallbackHandler][] = [
        ["noop", noop],
        ["prometheus", prometheus],
      ];
      if (round % 2 === 1) order.reverse();
      for (const [who, handler] of order) bench.add(`${who}: ${label}`, () => run(handler));
    }
    await bench.run();
    for (const task of bench.tasks) {
      rounds[task.name] = [...(rounds[task.name] ?? []), median(bench, task.name)];
    }
  }
  const middle = (name: string) => {
    const sorted = [...(rounds[name] ?? [])].sort((x, y) => x - y);
    return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  };

  const rows: string[] = [];
  const pair = (label: string, suffix: string) => {
    const base = middle(`noop: ${suffix}`);
    const ours = middle(`prometheus: ${suffix}`);
    const bases = rounds[`noop: ${suffix}`] ?? [];
    const ratios = (rounds[`prometheus: ${suffix}`] ?? []).map(
      (value, i) => value / (bases[i] ?? Number.NaN),
    );
    const sortedRatios = ratios.sort((x, y) => x - y);
    const ratio = sortedRatios[Math.floor(sortedRatios.length / 2)] ?? Number.NaN;
    const spread = `${sortedRatios[0]?.toFixed(2)}–${sortedRatios.at(-1)?.toFixed(2)}`;
    rows.push(
      `| ${label} | ${base.toFixed(1)} µs | ${ours.toFixed(1)} µs | ${ratio.toFixed(3)}x (rounds ${spread}) |`,
    );
    return { base, ours };
  };
  pair("invoke, 1 token", "invoke");
  const ten = pair("stream, 10 tokens", "stream 10 tokens");
  const many = pair("stream, 60 tokens", "stream 60 tokens");
  const perTokenBase = (many.base - ten.base) / 50;
  const perTokenOurs = (many.ours - ten.ours) / 50;

  // The token callback alone, called directly on a run past its first token: what the handler adds per token.
  const direct = new PrometheusCallbackHandler({ registry: new Registry() });
  callbacks(direct).handleChatModelStart({}, [], "direct-run", undefined, {}, [], { ls_provider: "openai" });
  callbacks(direct).handleLLMNewToken("first", 0, "direct-run");
  const fields = { chunk: { message: { content: "tok " } } };
  const tokenBench = new Bench({ time: 1_000, warmupTime: 200 });
  tokenBench
    .add("noop: token callback", () => callbacks(noop).handleLLMNewToken())
    .add("prometheus: token callback", () =>
      callbacks(direct).handleLLMNewToken("tok ", 0, "direct-run", undefined, undefined, fields),
    );
  await tokenBench.run();
  const tokenNoop = median(tokenBench, "noop: token callback") * 1000;
  const tokenOurs = median(tokenBench, "prometheus: token callback") * 1000;

  // Heap: 100,000 runs (invoke and stream alternating) after warm-up, GC before each reading.
  for (let i = 0; i < 2_000; i++) await oneToken.invoke("warm", { callbacks: [prometheus] });
  const before = heapMb();
  for (let i = 0; i < 100_000; i++) {
    if (i % 2 === 0) await oneToken.invoke("soak", { callbacks: [prometheus] });
    else await drain(oneToken, prometheus);
  }
  const after = heapMb();

  // Scrape: a registry populated through the handler, sized two ways (Prometheus counts every exposition
  // line as a series; prom-client counts label sets).
  async function scrapeMedian(models: number): Promise<{ ms: number; lines: number }> {
    const registry = new Registry();
    const populated = new PrometheusCallbackHandler({ registry, maxLabelValues: { models: 1_000 } });
    for (let i = 0; i < models; i++) {
      await new InProcessChatModel({ tokens: 1, model: `model-${i}` }).invoke("x", {
        callbacks: [populated],
      });
    }
    const text = await registry.metrics();
    const lines = text.split("\n").filter((line) => line !== "" && !line.startsWith("#")).length;
    const scrapeBench = new Bench({ time: 2_000, warmupTime: 200 });
    scrapeBench.add("scrape", async () => {
      await registry.metrics();
    });
    await scrapeBench.run();
    return { ms: median(scrapeBench, "scrape") / 1000, lines };
  }
  const thousandLines = await scrapeMedian(19); // 53 lines per model + 2
  const thousandSets = await scrapeMedian(125); // 8 label sets per model

  console.log(`Machine: ${cpus()[0]?.model ?? "unknown"} × ${cpus().length}, Node ${process.version}`);
  console.log(`Date: ${new Date().toISOString()}`);
  console.log("");
  console.log(
    "| workload | no-op handler (median) | PrometheusCallbackHandler (median) | ratio (median of paired rounds) |",
  );
  console.log("| --- | --- | --- | --- |");
  for (const row of rows) console.log(row);
  console.log("");
  console.log(
    `Per streamed token (60 vs 10 tokens, from the medians): no-op ${(perTokenBase * 1000).toFixed(0)} ns, prometheus ${(perTokenOurs * 1000).toFixed(0)} ns, difference ${((perTokenOurs - perTokenBase) * 1000).toFixed(0)} ns`,
  );
  console.log(
    `Token callback called directly, after the first token: no-op ${tokenNoop.toFixed(0)} ns, prometheus ${tokenOurs.toFixed(0)} ns`,
  );
  console.log(
    `Heap after GC: ${before.toFixed(2)} MB before, ${after.toFixed(2)} MB after 100,000 runs (${(after - before).toFixed(2)} MB)`,
  );
  console.log(`Active runs after the soak: ${prometheus.activeRunCount}`);
  console.log(
    `Scrape, ${thousandLines.lines} series (exposition lines, as Prometheus counts them): median ${thousandLines.ms.toFixed(2)} ms`,
  );
  console.log(
    `Scrape, 1,000 label sets (${thousandSets.lines} exposition lines): median ${thousandSets.ms.toFixed(2)} ms`,
  );
}

await main();
