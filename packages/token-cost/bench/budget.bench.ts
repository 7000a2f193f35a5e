/**
 * What a budget adds to an LLM call: the in-memory store (reserve before, settle after, in process) and the Redis
 * store on loopback (one round trip before the call; the settle is sent without waiting), on InProcessChatModel
 * (no HTTP); then reservations per second from one process against a real redis-server. Prints Markdown for
 * BENCHMARKS.md. Run: `npm run bench` (needs redis-server on the PATH).
 */
import { cpus } from "node:os";
import { InProcessChatModel, NoopCallbackHandler, startRedis } from "@chainwatch/testkit";
import { Redis } from "ioredis";
import { Bench } from "tinybench";
import { TokenCostCallbackHandler } from "../src/index.js";
import { redisBudgetStore } from "../src/redis.js";

process.env.LANGCHAIN_CALLBACKS_BACKGROUND = "false";

const ROUNDS = 3;
const model = new InProcessChatModel({ tokens: 10 });

function middle(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const redis = await startRedis();
  const client = new Redis({ port: redis.port, host: "127.0.0.1" });
  client.on("error", () => {});
  try {
    const noop = new NoopCallbackHandler();
    const plain = new TokenCostCallbackHandler();
    const memory = new TokenCostCallbackHandler({ budget: { totalUsd: 1e6, perTraceUsd: 1e6 } });
    // What the metrics and log handlers add when they subscribe: one decision object per reservation step.
    const watched = new TokenCostCallbackHandler({ budget: { totalUsd: 1e6, perTraceUsd: 1e6 } });
    let decisions = 0;
    watched.onBudgetDecision(() => {
      decisions++;
    });
    const shared = new TokenCostCallbackHandler({
      budget: { totalUsd: 1e6, store: redisBudgetStore(client, { prefix: `bench:${Date.now()}:` }) },
    });
    const tasks: [string, TokenCostCallbackHandler | NoopCallbackHandler][] = [
      ["no-op handler", noop],
      ["token_cost, no budget", plain],
      ["token_cost, budget in memory", memory],
      ["token_cost, budget in memory, one decision listener", watched],
      ["token_cost, budget in Redis", shared],
    ];
    const medians = new Map<string, number[]>();
    for (let round = 0; round < ROUNDS; round++) {
      const bench = new Bench({ time: 1_500, warmupTime: 300 });
      for (const [name, handler] of tasks) {
        bench.add(name, async () => {
          await model.invoke("hello", { callbacks: [handler] });
        });
      }
      await bench.run();
      for (const task of bench.tasks) {
        const p50 = (task.result as { latency?: { p50: number } } | undefined)?.latency?.p50;
        if (p50 === undefined) throw new Error(`no result for ${task.name}`);
        medians.set(task.name, [...(medians.get(task.name) ?? []), p50 * 1000]);
      }
    }
    const median = (name: string): number => middle(medians.get(name) ?? []);
    const base = median("no-op handler");
    const rows = tasks.map(([name]) => {
      const us = median(name);
      return `| ${name} | ${us.toFixed(2)} | ${(us / base).toFixed(3)}x | ${(us - base).toFixed(2)} |`;
    });
    if (decisions === 0) throw new Error("the decision listener was never called");
    const added = median("token_cost, budget in Redis") - median("token_cost, budget in memory");

    // Reservations per second from one process: 20,000 reserve + settle pairs, 64 in flight at a time.
    const store = redisBudgetStore(client, { prefix: `bench-rate:${Date.now()}:` });
    const total = 20_000;
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < total) {
          const id = `r${next++}`;
          await store.reserve({
            key: "rate",
            id,
            amountUsd: 0.001,
            limitUsd: 1e6,
            nowMs: Date.now(),
            reservationTtlMs: 600_000,
            keyTtlMs: 3_600_000,
          });
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;

    const lines = [
      `${cpus()[0]?.model ?? "unknown CPU"} (${cpus().length} cores), Node ${process.version}, redis-server on 127.0.0.1, ioredis, ${new Date().toISOString().slice(0, 10)}`,
      "",
      "| per LLM call (invoke) | median (µs) | vs no-op | overhead (µs) |",
      "| --- | ---: | ---: | ---: |",
      ...rows,
      "",
      `Redis store: ${(added / 1000).toFixed(3)} ms added per call at the median (vs the in-memory budget).`,
      `Reservations from one process: ${Math.round(total / seconds).toLocaleString("en-US")}/s (${total} reserves, 64 in flight, ${seconds.toFixed(2)} s).`,
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  } finally {
    await client.quit();
    await redis.stop();
  }
}

await main();
