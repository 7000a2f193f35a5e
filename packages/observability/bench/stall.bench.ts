// The longest event-loop stall while a prompt dense with personal data (an email, a phone and a card in every line)
// goes through the recommended stack, with real ChatOpenAI against the testkit server. Goal (issue 12): no callback
// event holds the loop for more than ~20 ms, whatever the prompt. The "no handlers" rows are the floor: ChatOpenAI
// serialising the body and the in-process testkit server parsing it stall the loop without any handler, and LangChain
// does more with the prompt as soon as any handler is attached (the "no-op handler" rows). `node --expose-gc --import tsx bench/stall.bench.ts`
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Writable } from "node:stream";
import { fakeChatOpenAI, NoopCallbackHandler, startFakeOpenAI } from "@chainwatch/testkit";
import { pino } from "pino";
import { Registry } from "prom-client";
import { createObservability } from "../src/index.js";
import { denseProsePrompt } from "../test/dense-prompt.js";

const discard = () =>
  new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });

/**
 * Times the synchronous part of every callback method of the handlers, in place: the longest one, in ms of CPU
 * time (process.cpuUsage: on a shared machine, wall time also counts the time the process was not scheduled).
 */
function timeCallbacks(handlers: readonly object[]): () => { longest: number; where: string } {
  let longest = 0;
  let where = "";
  for (const handler of handlers) {
    const record = handler as Record<string, unknown>;
    for (
      let proto = Object.getPrototypeOf(handler);
      proto && proto !== Object.prototype;
      proto = Object.getPrototypeOf(proto)
    ) {
      for (const name of Object.getOwnPropertyNames(proto)) {
        const method = record[name];
        if (!name.startsWith("handle") || typeof method !== "function" || Object.hasOwn(record, name))
          continue;
        record[name] = function timed(this: unknown, ...args: unknown[]) {
          const started = process.cpuUsage();
          try {
            return method.apply(this, args);
          } finally {
            const used = process.cpuUsage(started);
            const took = (used.user + used.system) / 1000;
            if (took > longest) {
              longest = took;
              where = `${String(record.name)}.${name}`;
            }
          }
        };
      }
    }
  }
  return () => ({ longest, where });
}

const server = await startFakeOpenAI({
  content: "Refund sent to ana.silva@example.org.",
  usage: { promptTokens: 10, completionTokens: 8 },
});
const rows: string[] = [];
for (const megabytes of [1, 4, 10]) {
  const prompt = denseProsePrompt(megabytes * 1024 * 1024);
  for (const level of ["no handlers", "no-op handler", "info", "debug"] as const) {
    const stack = await createObservability({
      registry: new Registry(),
      logger: pino({ level: level === "debug" ? "debug" : "info" }, discard()),
      stdout: { stream: discard() },
    });
    const callbacks =
      level === "no handlers"
        ? []
        : level === "no-op handler"
          ? [new NoopCallbackHandler()]
          : stack.callbacks;
    // A short call first: the first call in a process loads and compiles the detectors (measured apart below).
    await fakeChatOpenAI(server).invoke("Warm-up from ana.silva@example.org", { callbacks });
    const longestCallback = timeCallbacks(callbacks);
    globalThis.gc?.();
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    histogram.enable();
    const started = performance.now();
    let outcome = "ok";
    try {
      await fakeChatOpenAI(server).invoke(prompt, { callbacks });
    } catch (error) {
      outcome = (error as Error).name;
    }
    await stack.close();
    histogram.disable();
    const wall = performance.now() - started;
    const { longest, where } = longestCallback();
    const event = level === "no handlers" ? "–" : `${longest.toFixed(1)} (${where || "none"})`;
    rows.push(
      `| ${megabytes} MB | ${level} | ${outcome} | ${event} | ${(histogram.max / 1e6).toFixed(1)} | ${wall.toFixed(0)} |`,
    );
  }
}
await server.close();
process.stdout.write(
  [
    "| prompt | stack (log level) | call | longest callback event (CPU ms) | longest loop stall (ms) | call wall time (ms) |",
    "| --- | --- | --- | ---: | ---: | ---: |",
    ...rows,
    "",
  ].join("\n"),
);
