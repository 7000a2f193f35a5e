// The cost chainwatch's base class adds under every handler: the guard around each callback and the run tracker,
// measured against LangChain's own dispatch (a no-op handler) on an in-process streaming model.
// Run: npm run bench -w @chainwatch/core   (writes BENCHMARKS.md beside this folder)
import { writeFileSync } from "node:fs";
import { InProcessChatModel, NoopCallbackHandler } from "@chainwatch/testkit";
import type { LLMResult } from "@langchain/core/outputs";
import { Bench } from "tinybench";
import { ChainwatchCallbackHandler, type TrackedRun } from "../src/index.js";

type Run = TrackedRun<{ tokens: number }>;

/** The smallest real handler on the hooks: counts content tokens per run (the base marks the first one). */
class MinimalHandler extends ChainwatchCallbackHandler<{ tokens: number }> {
  name = "minimal";
  constructor() {
    super("minimal");
  }
  protected override createRunState() {
    return { tokens: 0 };
  }
  protected override onToken(run: Run, token: string) {
    if (token !== "") run.state.tokens++;
  }
  protected override onModelEnd(_run: Run, _output: LLMResult) {}
}

const TOKENS = 1_000;
const streaming = new InProcessChatModel({ tokens: TOKENS });
const short = new InProcessChatModel({ tokens: 1 });
const noop = new NoopCallbackHandler();
const minimal = new MinimalHandler();

async function streamOnce(callbacks: NoopCallbackHandler[] | MinimalHandler[]) {
  for await (const _ of await streaming.stream("hi", { callbacks }));
}

const bench = new Bench({ time: 3_000, warmup: true, warmupTime: 500 });
bench
  .add("stream 1,000 tokens: no-op handler", () => streamOnce([noop]))
  .add("stream 1,000 tokens: ChainwatchCallbackHandler", () => streamOnce([minimal]))
  .add("invoke: no-op handler", () => short.invoke("hi", { callbacks: [noop] }))
  .add("invoke: ChainwatchCallbackHandler", () => short.invoke("hi", { callbacks: [minimal] }));
await bench.run();

const median = (name: string) => {
  const task = bench.getTask(name);
  const latency = task?.result && "latency" in task.result ? task.result.latency : undefined;
  if (!latency) throw new Error(`no result for ${name}`);
  return { p50: latency.p50 ?? latency.mean, rme: latency.rme };
};
const streamNoop = median("stream 1,000 tokens: no-op handler");
const streamMinimal = median("stream 1,000 tokens: ChainwatchCallbackHandler");
const invokeNoop = median("invoke: no-op handler");
const invokeMinimal = median("invoke: ChainwatchCallbackHandler");

// Heap after GC before and after 100,000 calls, 10% of them abandoned streams that never end.
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --expose-gc");
gc();
const heapBefore = process.memoryUsage().heapUsed;
for (let index = 0; index < 100_000; index++) {
  if (index % 10 === 0) {
    for await (const _ of await short.stream("hi", { callbacks: [minimal] })) break;
  } else {
    await short.invoke("hi", { callbacks: [minimal] });
  }
}
gc();
const heapAfter = process.memoryUsage().heapUsed;

const us = (ms: number) => (ms * 1_000).toFixed(2);
const rows = [
  [
    "per streamed token",
    us(streamNoop.p50 / TOKENS),
    us(streamMinimal.p50 / TOKENS),
    (streamMinimal.p50 / streamNoop.p50).toFixed(3),
  ],
  [
    "per invoke call",
    us(invokeNoop.p50),
    us(invokeMinimal.p50),
    (invokeMinimal.p50 / invokeNoop.p50).toFixed(3),
  ],
];
const report = `# @chainwatch/core benchmarks

The base class's own cost (guard around every callback, run tracker, first-token detection) against LangChain's
dispatch to a no-op handler, on \`InProcessChatModel\` (no HTTP). Medians of tinybench samples (3 s per task).

- Machine: ${process.platform} ${process.arch}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}

| workload | no-op handler (µs) | ChainwatchCallbackHandler (µs) | ratio |
|---|---|---|---|
${rows.map((row) => `| ${row.join(" | ")} |`).join("\n")}

Relative margin of error: stream ±${streamNoop.rme.toFixed(1)}% / ±${streamMinimal.rme.toFixed(1)}%, invoke ±${invokeNoop.rme.toFixed(1)}% / ±${invokeMinimal.rme.toFixed(1)}%.

Heap after GC: ${(heapBefore / 1048576).toFixed(1)} MB before, ${(heapAfter / 1048576).toFixed(1)} MB after 100,000 calls
(10% of them streams abandoned after the first chunk, held until evicted); runs still held: ${minimal.activeRunCount}
(capped at \`maxRuns\`, 10,000 by default).
`;
writeFileSync(new URL("../BENCHMARKS.md", import.meta.url), report);
process.stdout.write(report);
