/**
 * Cost per LLM call of the whole stack from createObservability (cost, metrics with cost, logs and token stream
 * behind redaction) against LangChain's no-op baseline, on InProcessChatModel (no HTTP), in one process; the
 * cost-source integration alone (metrics and logs with and without `cost`); then heap after GC before and after
 * 100,000 calls through the stack. Prints Markdown for BENCHMARKS.md. Run: `npm run bench` (needs --expose-gc).
 */
import { cpus } from "node:os";
import { Writable } from "node:stream";
import { PinoCallbackHandler } from "@chainwatch/pino-logger";
import { PrometheusCallbackHandler } from "@chainwatch/prometheus-metrics";
import { InProcessChatModel, NoopCallbackHandler } from "@chainwatch/testkit";
import { TokenCostCallbackHandler } from "@chainwatch/token-cost";
import type { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { pino } from "pino";
import { Registry } from "prom-client";
import { Bench } from "tinybench";
import { createObservability } from "../src/index.js";

// Handlers run inline, so each measured call includes its callbacks' work.
process.env.LANGCHAIN_CALLBACKS_BACKGROUND = "false";

const exposedGc = (globalThis as { gc?: () => void }).gc;
if (!exposedGc) throw new Error("run with node --expose-gc");
const gc: () => void = exposedGc;

/** Swallows everything: the figures are the handlers' work, not a terminal's or a disk's. */
const discard = () =>
  new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  });

const model = new InProcessChatModel({ tokens: 10 });
const ROUNDS = 3;

function p50(bench: Bench, name: string): number {
  const result = bench.getTask(name)?.result as { latency?: { p50: number } } | undefined;
  if (!result?.latency) throw new Error(`no result for ${name}`);
  return result.latency.p50 * 1000; // microseconds
}

function middle(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** A no-op that, like the stdout-stream handler, makes invoke() stream: the baseline of a streaming stack. */
class StreamingNoop extends NoopCallbackHandler {
  lc_prefer_streaming = true;
}

async function stackCallbacks(redact = true): Promise<BaseCallbackHandler[]> {
  const stack = await createObservability({
    registry: new Registry(),
    logger: pino({ level: "info" }, discard()),
    stdout: { stream: discard() },
    redact,
  });
  return stack.callbacks;
}

async function main(): Promise<void> {
  const noop = [new NoopCallbackHandler()];
  const stack = await stackCallbacks();
  const cost = new TokenCostCallbackHandler();
  const plain = [
    new PrometheusCallbackHandler({ registry: new Registry() }),
    new PinoCallbackHandler({ logger: pino({ level: "info" }, discard()) }),
  ];
  const withCost = [
    cost,
    new PrometheusCallbackHandler({ registry: new Registry(), cost }),
    new PinoCallbackHandler({ logger: pino({ level: "info" }, discard()), cost }),
  ];
  const costAlone = [new TokenCostCallbackHandler()];
  const subjects: [string, BaseCallbackHandler[]][] = [
    ["no-op handler", noop],
    ["no-op handler preferring streaming (invoke streams)", [new StreamingNoop()]],
    ["createObservability stack, redact: false", await stackCallbacks(false)],
    ["metrics + logs", plain],
    ["token-cost", costAlone],
    ["token-cost + metrics + logs, cost shared", withCost],
    ["createObservability stack (logs and stream redacted)", stack],
  ];
  const medians = new Map<string, number[]>();
  for (let round = 0; round < ROUNDS; round++) {
    const bench = new Bench({ time: 1_500, warmupTime: 300 });
    for (const [name, callbacks] of subjects) {
      bench.add(name, async () => {
        await model.invoke("hello", { callbacks });
      });
    }
    await bench.run();
    for (const task of bench.tasks) {
      medians.set(task.name, [...(medians.get(task.name) ?? []), p50(bench, task.name)]);
    }
  }
  const median = (name: string): number => middle(medians.get(name) ?? []);
  const base = median("no-op handler");
  const streamingBase = median("no-op handler preferring streaming (invoke streams)");
  const rows = subjects.map(([name]) => {
    const value = median(name);
    // The stack streams (stdout-stream prefers it): compare it with a no-op that streams too.
    const against = name.startsWith("createObservability") ? streamingBase : base;
    return `| ${name} | ${value.toFixed(2)} | ${(value / against).toFixed(2)}x | ${(value - against).toFixed(2)} |`;
  });
  const integration =
    median("token-cost + metrics + logs, cost shared") -
    median("metrics + logs") -
    (median("token-cost") - base);

  const soak = await stackCallbacks();
  for (let i = 0; i < 2_000; i++) await model.invoke("warm", { callbacks: soak });
  await awaitAllCallbacks();
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 100_000; i++) await model.invoke("soak", { callbacks: soak });
  await awaitAllCallbacks();
  gc();
  const after = process.memoryUsage().heapUsed;
  const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(2);

  console.log(
    [
      `${cpus()[0]?.model ?? "unknown CPU"} (${cpus().length} cores), Node ${process.version}, ${process.platform}/${process.arch}, ${new Date().toISOString().slice(0, 10)}`,
      "",
      "| per `invoke` (10 tokens) | median (µs) | ratio to no-op | overhead (µs) |",
      "| --- | ---: | ---: | ---: |",
      ...rows,
      "",
      `Cost integration (shared cost minus metrics + logs minus token-cost's own overhead): ${integration.toFixed(2)} µs per call.`,
      "",
      `Heap after GC through the stack: ${mb(before)} MB before, ${mb(after)} MB after 100,000 more calls (${(after - before) / 1024 / 1024 >= 0 ? "+" : ""}${mb(after - before)} MB).`,
    ].join("\n"),
  );
}

await main();
