// Faults through ChatOpenAI against the testkit server: every handler leaves the caller's result or error exactly
// as it is without the handler, throws nothing of its own, and holds no state afterwards.
import {
  captureConsole,
  type FakeOpenAI,
  type FakeReply,
  fakeChatOpenAI,
  manualClock,
  startFakeOpenAI,
} from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { referenceSubject } from "../src/reference-handler.js";
import { SOAK_SUBJECTS } from "../src/soak-subjects.js";

interface Fault {
  name: string;
  reply: FakeReply;
  mode: "invoke" | "stream";
  maxRetries?: number;
  abortAfterMs?: number;
}

const FAULTS: Fault[] = [
  { name: "500", reply: { status: 500, error: { message: "upstream broke" } }, mode: "invoke" },
  {
    name: "429 with retry-after, retried twice",
    reply: { status: 429, retryAfterMs: 5 },
    mode: "invoke",
    maxRetries: 2,
  },
  {
    name: "stalled stream, aborted",
    reply: { content: "a b c d", stallAfterChunks: 2 },
    mode: "stream",
    abortAfterMs: 80,
  },
  { name: "slow first byte, aborted", reply: { delayMs: 2_000 }, mode: "invoke", abortAfterMs: 30 },
  {
    name: "connection dropped mid-stream",
    reply: { content: "a b c d e", dropAfterChunks: 3 },
    mode: "stream",
  },
  { name: "connection dropped before any byte", reply: { dropAfterChunks: 0 }, mode: "invoke" },
  { name: "malformed SSE event", reply: { content: "a b", malformedChunk: true }, mode: "stream" },
];

let server: FakeOpenAI;
beforeAll(async () => {
  server = await startFakeOpenAI();
});
afterAll(() => server.close());

async function outcome(fault: Fault, callbacks: unknown[]): Promise<string> {
  server.setScript(fault.reply);
  const model = fakeChatOpenAI(server, { maxRetries: fault.maxRetries ?? 0 });
  const controller = new AbortController();
  const timer =
    fault.abortAfterMs === undefined ? undefined : setTimeout(() => controller.abort(), fault.abortAfterMs);
  const config = { callbacks: callbacks as never, signal: controller.signal };
  try {
    if (fault.mode === "invoke") return `ok: ${String((await model.invoke("fault", config)).content)}`;
    let text = "";
    for await (const chunk of await model.stream("fault", config)) text += String(chunk.content);
    return `ok: ${text}`;
  } catch (error) {
    const e = error as { name?: string; status?: number; message?: string };
    return `error: ${e.name} ${e.status ?? ""} ${String(e.message).slice(0, 80)}`;
  } finally {
    clearTimeout(timer);
  }
}

describe("faults through ChatOpenAI", () => {
  for (const subject of [referenceSubject, ...SOAK_SUBJECTS]) {
    describe(subject.name, () => {
      for (const fault of FAULTS) {
        it(`${fault.name}: same outcome for the caller, nothing held afterwards`, async () => {
          // The OpenAI SDK prints each event it cannot parse: captured and checked, not printed.
          const output = fault.reply.malformedChunk ? captureConsole() : undefined;
          let baseline: string;
          let observed: string;
          const { callbacks, activeRuns } = subject.make(manualClock(), 1_000);
          try {
            baseline = await outcome(fault, []);
            observed = await outcome(fault, callbacks);
          } finally {
            output?.restore();
          }
          if (output) expect(output.text()).toMatch(/Could not parse message into JSON/);
          expect(observed).toBe(baseline);
          expect(observed).toMatch(/^error: /);
          await awaitAllCallbacks();
          // Every one of these faults ends the run with an error event: nothing may wait for eviction.
          expect(activeRuns()).toBe(0);
        });
      }
    });
  }
});
