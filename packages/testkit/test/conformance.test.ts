import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { LLMResult } from "@langchain/core/outputs";
import { describe, expect, it } from "vitest";
import { describeHandlerConformance } from "../src/conformance.js";
import {
  CONFORMANCE_CHECKS,
  type ConformanceSubject,
  captureConsole,
  runConformanceCheck,
} from "../src/index.js";
import {
  LeakyHandler,
  MutatingHandler,
  NoEvictionHandler,
  SharedStateHandler,
  StreamEventsHandler,
  ThrowingHandler,
  TrivialHandler,
} from "./fixtures/handlers.js";

describeHandlerConformance("trivial handler", (context) => new TrivialHandler(context));

const check = (prefix: string): string => {
  const found = CONFORMANCE_CHECKS.find((candidate) => candidate.name.startsWith(prefix));
  if (!found) throw new Error(`no check starting with ${prefix}`);
  return found.name;
};

/** A handler's own proof that concurrent runs did not mix: each run's streamed text is its own output. */
const ownTextPerRun = (handler: ConformanceSubject) => {
  const finished = (handler as SharedStateHandler).finished;
  for (const text of finished.values()) {
    if (text === "") continue;
    const index = /^Answer (\d+):/.exec(text)?.[1];
    expect(text.split("Answer ").length, `mixed text: ${text}`).toBe(2);
    expect(index).toBeDefined();
  }
};

describe("the conformance suite fails handlers that break the production bar", () => {
  it("a handler that keeps state after the run ends", async () => {
    await expect(
      runConformanceCheck(check("invoke:"), (context) => new LeakyHandler(context)),
    ).rejects.toThrow(/still holds per-run state after invoke/);
  });

  it("a handler that never evicts runs that do not end", async () => {
    await expect(
      runConformanceCheck(
        check("a stream the consumer breaks out of"),
        (context) => new NoEvictionHandler(context),
      ),
    ).rejects.toThrow(/abandoned stream/);
  });

  it("a handler whose sink failure escapes into the run", async () => {
    // LangChain prints the escaped error itself before the suite sees it: captured and asserted here.
    const output = captureConsole();
    try {
      await expect(
        runConformanceCheck(check("a failing sink"), (context) => new ThrowingHandler(context)),
      ).rejects.toThrow(/sink is down/);
    } finally {
      output.restore();
    }
    expect(output.text()).toMatch(/Error in handler ThrowingHandler, handleLLMEnd: Error: sink is down/);
  });

  it("a handler that changes the output it observes", async () => {
    await expect(
      runConformanceCheck(check("invoke:"), (context) => new MutatingHandler(context)),
    ).rejects.toThrow(/output changed/);
  });

  it("a handler whose interleaved runs share one state", async () => {
    await expect(
      runConformanceCheck(check("50 concurrent"), (context) => new SharedStateHandler(context), {
        afterConcurrentRuns: ownTextPerRun,
      }),
    ).rejects.toThrow(/mixed text/);
  });

  it("a handler that sets lc_prefer_chat_model_stream_events", async () => {
    await expect(
      runConformanceCheck(check("other handlers"), (context) => new StreamEventsHandler(context)),
    ).rejects.toThrow(/lc_prefer_chat_model_stream_events/);
  });

  it("the concurrency hook passes for a handler that keeps runs apart", async () => {
    await expect(
      runConformanceCheck(check("50 concurrent"), (context) => new TrivialHandler(context)),
    ).resolves.toEqual({ status: "passed" });
  });
});

/** A handler written as LangChain's docs show, with no chainwatch internals: it only counts tokens. */
class PlainTokenCounter extends BaseCallbackHandler {
  name = "plain_token_counter";
  tokens = 0;
  override handleLLMNewToken(): void {
    this.tokens++;
  }
}

describeHandlerConformance("a plain BaseCallbackHandler", () => new PlainTokenCounter());

describe("a handler without chainwatch internals", () => {
  it("has the checks that need them skipped with the reason, and passes the others", async () => {
    const results = new Map<string, Awaited<ReturnType<typeof runConformanceCheck>>>();
    for (const { name } of CONFORMANCE_CHECKS) {
      results.set(name, await runConformanceCheck(name, () => new PlainTokenCounter()));
    }
    const skipped = [...results].filter(([, result]) => result.status === "skipped");
    expect(skipped.map(([name]) => name)).toEqual([
      check("a failing sink"),
      check("an aborted call"),
      check("a stream the consumer breaks out of"),
    ]);
    expect(results.get(check("a failing sink"))).toMatchObject({ reason: /failingSink: true/ });
    expect(results.get(check("an aborted call"))).toMatchObject({ reason: /activeRunCount/ });
    expect([...results.values()].filter((result) => result.status === "passed")).toHaveLength(
      CONFORMANCE_CHECKS.length - 3,
    );
  });

  it("still fails when it changes the output", async () => {
    class Mutating extends PlainTokenCounter {
      override handleLLMEnd(output: LLMResult): void {
        const message = (output.generations[0]?.[0] as { message?: { content: unknown } } | undefined)
          ?.message;
        if (message && typeof message.content === "string") message.content += " (observed)";
      }
    }
    await expect(runConformanceCheck(check("invoke:"), () => new Mutating())).rejects.toThrow(
      /output changed/,
    );
  });
});
