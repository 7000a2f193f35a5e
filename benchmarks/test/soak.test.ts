// 1,000,000 runs through each handler must not grow the heap, and runs that never end must be evicted.
// CI runs a bounded form (SOAK_RUNS, default 20,000 runs a handler); `SOAK_RUNS=1000000 npm run soak` runs the full one.
// Then the slow-call mix through the whole stack: calls that wait for their provider longer than runs.ttlMs are
// in flight, not abandoned, and every call is counted once, alike, by metrics, the cost handler and the log.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { createObservability } from "@chainwatch/observability";
import { InProcessChatModel, manualClock } from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { RunnableLambda } from "@langchain/core/runnables";
import { pino } from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { referenceSubject } from "../src/reference-handler.js";
import { ClockGate, metricValue, SlowChatModel, tallyingDestination } from "../src/slow-mix.js";
import { SOAK_SUBJECTS } from "../src/soak-subjects.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const RUNS = Number(process.env.SOAK_RUNS ?? 20_000);
const TTL_MS = 1_000;
const HEAP_SLACK_BYTES = 4 * 1024 * 1024;

const model = new InProcessChatModel({ tokens: 3, token: "x " });
const failingChain = model.pipe(
  RunnableLambda.from(() => {
    throw new Error("user code failed after the model answered");
  }),
);

/** One run of the mix: 80% invoke, 10% abandoned streams (no end event), 10% errors thrown in user code. */
async function oneRun(index: number, callbacks: unknown[]): Promise<void> {
  const config = { callbacks: callbacks as never };
  switch (index % 10) {
    case 0:
      for await (const _ of await model.stream("abandon me", config)) break;
      return;
    case 1:
      await failingChain.invoke("fail", config).catch(() => undefined);
      return;
    default:
      await model.invoke("hi", config);
  }
}

describe(`soak: ${RUNS.toLocaleString("en")} runs a handler`, () => {
  for (const subject of [referenceSubject, ...SOAK_SUBJECTS]) {
    it(`${subject.name}: heap after GC within 4 MB, abandoned runs evicted`, {
      timeout: 600_000,
    }, async () => {
      const clock = manualClock();
      const { callbacks, activeRuns } = subject.make(clock, TTL_MS);
      // Warm up past the first eviction so caches and the tracker reach their steady size.
      for (let index = 0; index < 3_000; index++) {
        clock.advance(1);
        await oneRun(index, callbacks);
      }
      await awaitAllCallbacks();
      gc();
      const before = process.memoryUsage().heapUsed;
      let peakHeld = 0;
      for (let index = 0; index < RUNS; index++) {
        clock.advance(1);
        await oneRun(index, callbacks);
        if (index % 1_000 === 999) {
          // Callbacks run on LangChain's background queue: read the count once it has caught up.
          await awaitAllCallbacks();
          peakHeld = Math.max(peakHeld, activeRuns());
        }
      }
      await awaitAllCallbacks();
      gc();
      const grown = process.memoryUsage().heapUsed - before;
      expect(grown, `heap grew by ${(grown / 1048576).toFixed(2)} MB`).toBeLessThan(HEAP_SLACK_BYTES);
      // Abandoned streams (1 in 10 runs) stay at most one TTL: about TTL / 10 of them at any time.
      expect(peakHeld).toBeLessThanOrEqual((TTL_MS / 10 + 10) * (subject.layers ?? 1));
      clock.advance(TTL_MS + 1);
      expect(activeRuns()).toBe(0);
    });
  }
});

// The slow-call mix. The stack's runs.ttlMs is short and its in-flight bound the default (10 minutes): a slow call
// waits SLOW_DELAY_MS of clock time, 2.5 times the TTL. The clock moves 1 ms a run, so about 25 slow calls and
// 10 abandoned streams are open at any time, and a scrape every 1,000 runs sweeps the metrics. A quarter of
// SOAK_RUNS (5,000 in CI; 250,000 with SOAK_RUNS=1000000): each run goes through three handlers and a JSON log.
const SLOW_MIX_RUNS = Math.max(1_000, Math.round(RUNS / 4_000) * 1_000);
// Late ends are remembered for the last 100 evicted runs (default 1,000): the record fills within the warm-up (an
// abandoned stream every 10 runs), so what the heap shows after it is growth. It still outlasts what is evicted while
// a slow call waits (the cost handler, which sees no tokens, evicts its slow calls at ttlMs and counts them late).
const MAX_EVICTED = 100;
const SLOW_MIX_WARM_UP = 2_000;
const STACK_TTL_MS = 100;
const SLOW_DELAY_MS = 250;
// gpt-4o-mini, 4 input and 3 output tokens a call (InProcessChatModel): $0.0000024.
const INPUT_TOKENS = 4;
const OUTPUT_TOKENS = 3;

/** What a run of the slow mix did, as the caller saw it. */
interface Truth {
  ok: number;
  error: number;
  abandoned: number;
}

describe(`soak, slow-call mix through createObservability: ${SLOW_MIX_RUNS.toLocaleString("en")} runs`, () => {
  it("slow calls stay in flight past ttlMs; metrics, cost and log count every call once, alike; heap flat", {
    timeout: 600_000,
  }, async () => {
    const clock = manualClock();
    const gate = new ClockGate(clock);
    const registry = new Registry();
    const log = tallyingDestination();
    const stack = await createObservability({
      registry,
      logger: pino({ level: "info" }, log),
      // The redaction wrappers are soaked on their own above; here the handlers' counts are what is checked.
      redact: false,
      runs: { now: clock.now, ttlMs: STACK_TTL_MS, maxEvicted: MAX_EVICTED },
    });
    const { cost, metrics, logger } = stack.handlers;
    if (metrics === undefined || logger === undefined)
      throw new Error("the stack has no metrics or no logger");
    const config = { callbacks: stack.callbacks };
    const slowOk = new SlowChatModel({ gate, delayMs: SLOW_DELAY_MS, tokens: OUTPUT_TOKENS, token: "x " });
    const slowFailing = new SlowChatModel({ gate, delayMs: SLOW_DELAY_MS, fails: true });
    const truth: Truth = { ok: 0, error: 0, abandoned: 0 };
    const slow = new Set<Promise<void>>();

    /** One run: 70% invoke, 10% abandoned streams, 10% user code failing after the model, 7.5% slow, 2.5% slow 500s. */
    async function slowMixRun(index: number): Promise<void> {
      // LangChain's background queue runs handlers behind the caller, by hundreds of in-process runs at this pace:
      // drained every 10 runs, so that a handler reads the clock within 10 ms of its event's (ttlMs is 100).
      if (index % 10 === 0) await awaitAllCallbacks();
      clock.advance(1);
      gate.release();
      switch (index % 10) {
        case 0: {
          // Broken out of after its first token: the consumer is gone, the run idles on ttlMs.
          let chunks = 0;
          for await (const _ of await model.stream("abandon me", config)) if (++chunks === 2) break;
          truth.abandoned++;
          return;
        }
        case 1:
          await failingChain.invoke("fail", config).catch(() => undefined);
          truth.ok++;
          return;
        case 2: {
          const fails = index % 40 === 2;
          const call = (fails ? slowFailing : slowOk).invoke("slow", config).then(
            () => {
              truth.ok++;
            },
            () => {
              truth.error++;
            },
          );
          slow.add(call);
          void call.finally(() => slow.delete(call));
          return;
        }
        default:
          await model.invoke("hi", config);
          truth.ok++;
      }
    }

    /** Lets every slow call finish, and the stack see every event. */
    async function settle(): Promise<void> {
      clock.advance(SLOW_DELAY_MS);
      gate.release();
      await Promise.all(slow);
      await awaitAllCallbacks();
    }

    for (let index = 0; index < SLOW_MIX_WARM_UP; index++) await slowMixRun(index);
    await settle();
    await registry.metrics();
    gc();
    const before = process.memoryUsage().heapUsed;
    let scrapes = 0;
    for (let index = 0; index < SLOW_MIX_RUNS; index++) {
      await slowMixRun(index);
      if (index % 1_000 === 999) {
        await awaitAllCallbacks();
        await registry.metrics(); // a scrape sweeps idle runs
        scrapes++;
        // Every slow call still waiting is in flight in the metrics, not evicted as abandoned.
        const inFlight = await metricValue(registry, "langchain_runs_in_flight", { run_type: "llm" });
        expect(inFlight).toBeGreaterThanOrEqual(gate.pending);
        expect(gate.pending).toBeGreaterThan(0);
      }
    }
    await settle();
    clock.advance(STACK_TTL_MS + 1);
    await registry.metrics();
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    expect(grown, `heap grew by ${(grown / 1048576).toFixed(2)} MB`).toBeLessThan(HEAP_SLACK_BYTES);
    expect(scrapes).toBeGreaterThan(0);

    const calls = SLOW_MIX_WARM_UP + SLOW_MIX_RUNS;
    expect(truth.ok + truth.error + truth.abandoned).toBe(calls);
    const runs = (status: string) =>
      metricValue(registry, "langchain_runs_total", { run_type: "llm", status });
    // Metrics: each call once, with its real status.
    expect(await runs("ok")).toBe(truth.ok);
    expect(await runs("error")).toBe(truth.error);
    expect(await runs("abandoned")).toBe(truth.abandoned);
    expect(await metricValue(registry, "langchain_runs_in_flight")).toBe(0);
    // Cost handler: the same calls, tokens and cost.
    expect(cost.totals.calls).toBe(truth.ok);
    expect(cost.totals.failedCalls).toBe(truth.error);
    expect(cost.totals.tokens.inputTokens).toBe(truth.ok * INPUT_TOKENS);
    expect(cost.totals.tokens.outputTokens).toBe(truth.ok * OUTPUT_TOKENS);
    expect(await metricValue(registry, "langchain_input_tokens_total")).toBe(truth.ok * INPUT_TOKENS);
    expect(await metricValue(registry, "langchain_output_tokens_total")).toBe(truth.ok * OUTPUT_TOKENS);
    expect(cost.totals.costUsd).toBeGreaterThan(0);
    expect(await metricValue(registry, "langchain_cost_usd_total")).toBeCloseTo(cost.totals.costUsd, 9);
    // The log: one llm.end per ok call and one llm.error per failed one, same tokens, same cost.
    expect(log.tally).toMatchObject({
      ends: truth.ok,
      errors: truth.error,
      inputTokens: truth.ok * INPUT_TOKENS,
      outputTokens: truth.ok * OUTPUT_TOKENS,
      unparsed: 0,
    });
    expect(log.tally.costUsd).toBeCloseTo(cost.totals.costUsd, 9);
    for (const handler of [cost, metrics, logger]) expect(handler.activeRunCount).toBe(0);
    await stack.close();
  });
});
