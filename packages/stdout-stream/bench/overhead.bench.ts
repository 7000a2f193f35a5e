/**
 * Overhead of StdoutStreamCallbackHandler against testkit's NoopCallbackHandler, in one process:
 *  1. per token: one 100,000-token in-process stream (.stream(), consumed to the end, callbacks awaited);
 *  2. heap after GC before and after 100,000 short runs (plain invoke(), which the handler makes stream).
 * The handler writes to a real Writable that discards its input, so the cost of a terminal is left out.
 * Samples are process CPU time (user + system, all threads), not wall time: on a shared machine other processes
 * swing wall time by 3x between identical runs, CPU time by a few percent.
 *
 *   npm run bench --workspace @chainwatch/stdout-stream        (node --expose-gc)
 */

import { spawn } from "node:child_process";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { InProcessChatModel, NoopCallbackHandler } from "@chainwatch/testkit";
import type { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { Bench } from "tinybench";
import { type WebSocket, WebSocketServer } from "ws";
import { StdoutStreamCallbackHandler } from "../src/index.js";

const TOKENS = 100_000;
const SOAK_RUNS = 100_000;

function discard(): Writable {
  return new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  });
}

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error("run with node --expose-gc");
  collect();
  collect();
}

function heapMiB(): number {
  gc();
  return process.memoryUsage().heapUsed / 1_048_576;
}

async function streamAll(model: InProcessChatModel, handler: BaseCallbackHandler): Promise<void> {
  let chunks = 0;
  for await (const _ of await model.stream("bench", { callbacks: [handler] })) chunks++;
  await awaitAllCallbacks();
  if (chunks < TOKENS) throw new Error(`stream ended early after ${chunks} chunks`);
}

/** Process CPU time in milliseconds (microsecond resolution). */
function cpuNow(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1_000;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/**
 * Rounds of a two-task tinybench, alternating which task goes first, so drift over the run (JIT, heap size,
 * machine load) does not favour either; a full GC before every sample. Medians over all samples.
 */
async function perToken(
  rounds: number,
  handler: BaseCallbackHandler,
): Promise<{ noop: number; handler: number; samples: number }> {
  const model = new InProcessChatModel({ tokens: TOKENS, token: "tok " });
  const noop = new NoopCallbackHandler();
  const samples: Record<string, number[]> = { noop: [], stdout_stream: [] };
  for (let round = 0; round < rounds; round++) {
    const bench = new Bench({
      name: `100k-token stream, round ${round + 1}`,
      iterations: 2,
      time: 0,
      warmup: round === 0,
      warmupIterations: 2,
      warmupTime: 0,
      retainSamples: true,
      now: cpuNow,
    });
    const tasks: [string, BaseCallbackHandler][] = [
      ["noop", noop],
      ["stdout_stream", handler],
    ];
    if (round % 2 === 1) tasks.reverse();
    for (const [name, subject] of tasks) bench.add(name, () => streamAll(model, subject), { beforeEach: gc });
    await bench.run();
    for (const task of bench.tasks) {
      const result = task.result;
      if (result.state !== "completed") throw new Error(`${task.name}: ${result.state}`);
      samples[task.name]?.push(...(result.latency.samples ?? []));
    }
  }
  return {
    noop: median(samples.noop ?? []),
    handler: median(samples.stdout_stream ?? []),
    samples: samples.noop?.length ?? 0,
  };
}

async function soak(): Promise<{ before: number; middle: number; after: number; active: number }> {
  const model = new InProcessChatModel({ tokens: 5, token: "tok " });
  const handler = new StdoutStreamCallbackHandler({ stream: discard() });
  for (let i = 0; i < 1_000; i++) await model.invoke("warm", { callbacks: [handler] });
  await awaitAllCallbacks();
  const before = heapMiB();
  let middle = before;
  for (let i = 0; i < SOAK_RUNS; i++) {
    await model.invoke("soak", { callbacks: [handler] });
    if (i % 10_000 === 9_999) await awaitAllCallbacks();
    if (i === SOAK_RUNS / 2 - 1) middle = heapMiB();
  }
  await awaitAllCallbacks();
  const after = heapMiB();
  return { before, middle, after, active: handler.activeRunCount };
}

/**
 * A `ws` server socket on loopback whose client is another Node process that reads and discards every message: the
 * CPU time measured (this process only) is the server's side, and the client reads while the stream runs, so
 * nothing is dropped (the count is printed).
 */
async function loopbackSocket(): Promise<{ socket: WebSocket; close: () => Promise<void> }> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => wss.once("listening", resolve));
  const accepted = new Promise<WebSocket>((resolve) => wss.once("connection", resolve));
  const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
  const client = spawn(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `import { WebSocket } from "ws"; new WebSocket(${JSON.stringify(url)}).on("message", () => {});`,
    ],
    { stdio: "inherit" },
  );
  const socket = await accepted;
  return {
    socket,
    close: async () => {
      client.kill();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

function report(label: string, result: { noop: number; handler: number; samples: number }): void {
  const { noop, handler, samples } = result;
  const ratio = handler / noop;
  console.log(
    `${label}: ${samples} samples each; median CPU time of a 100k-token stream: noop ${noop.toFixed(1)} ms, handler ${handler.toFixed(1)} ms`,
  );
  console.log(
    `${label}: per token: noop ${((noop * 1e6) / TOKENS).toFixed(0)} ns, handler ${((handler * 1e6) / TOKENS).toFixed(0)} ns, overhead ${(((handler - noop) * 1e6) / TOKENS).toFixed(0)} ns`,
  );
  console.log(
    `${label}: ratio to noop: ${ratio.toFixed(3)}x (goal < 1.3x) ${ratio < 1.3 ? "MET" : "MISSED"}`,
  );
}

// `--only=websocket` (or `writable`) runs one comparison alone; `--rounds=N` (default 4) sets its rounds.
const only = process.argv.find((arg) => arg.startsWith("--only="))?.slice(7);
const rounds = Number(process.argv.find((arg) => arg.startsWith("--rounds="))?.slice(9) ?? 4);
const started = Date.now();
if (only === undefined || only === "writable") {
  report("writable", await perToken(rounds, new StdoutStreamCallbackHandler({ stream: discard() })));
}
if (only === undefined || only === "websocket") {
  const loopback = await loopbackSocket();
  // The client reads everything, so nothing is dropped: every token is one message sent and received.
  const overSocket = new StdoutStreamCallbackHandler({
    socket: loopback.socket,
    maxQueuedChars: 1_024 * 1_048_576,
  });
  report("websocket", await perToken(rounds, overSocket));
  console.log(`websocket: characters dropped ${overSocket.droppedChars}`);
  await loopback.close();
}
const heap = only === undefined ? await soak() : undefined;
if (heap !== undefined) {
  const growth = heap.after - heap.before;
  console.log(
    `heap after GC: before ${heap.before.toFixed(2)} MiB, after ${SOAK_RUNS / 2} runs ${heap.middle.toFixed(2)} MiB, after ${SOAK_RUNS} runs ${heap.after.toFixed(2)} MiB (growth ${growth.toFixed(2)} MiB), runs still held: ${heap.active}`,
  );
}
console.log(`node ${process.version}, ${Math.round((Date.now() - started) / 1000)} s`);
