// 1,000,000 runs through each handler must not grow the heap, and runs that never end must be evicted.
// CI runs a bounded form (SOAK_RUNS, default 20,000 runs a handler); `SOAK_RUNS=1000000 npm run soak` runs the full one.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { InProcessChatModel, manualClock } from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { RunnableLambda } from "@langchain/core/runnables";
import { describe, expect, it } from "vitest";
import { referenceSubject } from "../src/reference-handler.js";
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
