/**
 * Cost per LLM call of TokenCostCallbackHandler against LangChain's no-op baseline, on InProcessChatModel (no
 * HTTP), in one process; then heap after GC before and after 100,000 calls. Writes nothing: prints Markdown that
 * goes into BENCHMARKS.md. Run: `npm run bench` (needs --expose-gc).
 */
import { cpus } from "node:os";
import { InProcessChatModel, NoopCallbackHandler } from "@chainwatch/testkit";
import type { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { AIMessage, HumanMessage } from "@langchain/core/messages";
import { Bench } from "tinybench";
import { TokenCostCallbackHandler } from "../src/index.js";

// Handlers run inline, so each measured call includes its callbacks' work.
process.env.LANGCHAIN_CALLBACKS_BACKGROUND = "false";

const exposedGc = (globalThis as { gc?: () => void }).gc;
if (!exposedGc) throw new Error("run with node --expose-gc");
const gc: () => void = exposedGc;

const model = new InProcessChatModel({ tokens: 10 });
const SERIALIZED = {
  lc: 1,
  type: "not_implemented" as const,
  id: ["langchain", "chat_models", "openai", "ChatOpenAI"],
};
const MESSAGES = [[new HumanMessage("hello")]];
const OUTPUT = {
  generations: [
    [
      {
        text: "hi",
        message: new AIMessage({
          content: "hi",
          usage_metadata: { input_tokens: 12, output_tokens: 10, total_tokens: 22 },
          response_metadata: { model_name: "gpt-4o-mini-2024-07-18" },
        }),
      },
    ],
  ],
};
const META = { ls_provider: "openai", ls_model_name: "gpt-4o-mini", ls_model_type: "chat" };

let sequence = 0;
function callbacksOnly(handler: BaseCallbackHandler): () => void {
  return () => {
    const runId = `run-${sequence++}`;
    handler.handleChatModelStart?.(SERIALIZED, MESSAGES, runId, undefined, {}, [], META);
    handler.handleLLMEnd?.(OUTPUT, runId);
  };
}

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

async function main(): Promise<void> {
  const noop = new NoopCallbackHandler();
  const cost = new TokenCostCallbackHandler();
  const costStream = new TokenCostCallbackHandler();
  const costCallbacks = new TokenCostCallbackHandler();
  const medians = new Map<string, number[]>();
  // Several rounds, each pair measured back to back, and the median of the rounds: one slow round (GC, a noisy
  // neighbour) does not decide the figure.
  for (let round = 0; round < ROUNDS; round++) {
    const bench = new Bench({ time: 1_500, warmupTime: 300 });
    bench
      .add("invoke: no-op handler", async () => {
        await model.invoke("hello", { callbacks: [noop] });
      })
      .add("invoke: token_cost", async () => {
        await model.invoke("hello", { callbacks: [cost] });
      })
      .add("stream: no-op handler", async () => {
        for await (const _ of await model.stream("hello", { callbacks: [noop] }));
      })
      .add("stream: token_cost", async () => {
        for await (const _ of await model.stream("hello", { callbacks: [costStream] }));
      })
      .add("callbacks only: no-op handler", callbacksOnly(noop))
      .add("callbacks only: token_cost", callbacksOnly(costCallbacks));
    await bench.run();
    for (const task of bench.tasks) {
      medians.set(task.name, [...(medians.get(task.name) ?? []), p50(bench, task.name)]);
    }
  }
  const median = (name: string): number => middle(medians.get(name) ?? []);

  const rows: string[] = [];
  for (const kind of ["invoke", "stream", "callbacks only"]) {
    const base = median(`${kind}: no-op handler`);
    const ours = median(`${kind}: token_cost`);
    rows.push(
      `| ${kind} | ${base.toFixed(2)} | ${ours.toFixed(2)} | ${(ours / base).toFixed(3)}x | ${(ours - base).toFixed(2)} |`,
    );
  }

  // Heap: 100,000 calls through one handler; totals, traces (bounded) and the last 100 records are all it keeps.
  const soak = new TokenCostCallbackHandler();
  for (let i = 0; i < 2_000; i++) await model.invoke("warm", { callbacks: [soak] });
  await awaitAllCallbacks();
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 100_000; i++) await model.invoke("soak", { callbacks: [soak] });
  await awaitAllCallbacks();
  gc();
  const after = process.memoryUsage().heapUsed;
  const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(2);

  const lines = [
    `${cpus()[0]?.model ?? "unknown CPU"} (${cpus().length} cores), Node ${process.version}, ${process.platform}/${process.arch}, ${new Date().toISOString().slice(0, 10)}`,
    "",
    "| per LLM call | no-op median (µs) | token_cost median (µs) | ratio | overhead (µs) |",
    "| --- | ---: | ---: | ---: | ---: |",
    ...rows,
    "",
    `Heap after GC: ${mb(before)} MB before, ${mb(after)} MB after 100,000 more calls (${mb(after - before)} MB); ` +
      `${soak.totals.calls} calls counted, ${soak.traceIds().length} traces and ${soak.records.length} records held, ` +
      `${soak.activeRunCount} runs in flight.`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

await main();
