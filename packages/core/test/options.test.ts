import { describe, expect, it } from "vitest";
import {
  ChainwatchCallbackHandler,
  type ChainwatchHandlerOptions,
  eachValue,
  handlerOptionShape,
  validateOptions,
} from "../src/index.js";

const COST_SHAPE = handlerOptionShape({
  budget: { perCallUsd: true, perTraceUsd: true, totalUsd: true, action: true },
  prices: eachValue({ input: true, output: true }),
  labels: true,
  maxRecords: true,
});

function message(run: () => void): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError);
    return (error as Error).message;
  }
  throw new Error("expected a TypeError");
}

describe("validateOptions", () => {
  it("accepts known keys, nested ones, LangChain's handler flags and free-form maps", () => {
    expect(() =>
      validateOptions(
        "TokenCostCallbackHandler",
        {
          budget: { totalUsd: 1, action: "throw" },
          prices: { "my-model": { input: 1, output: 2 } },
          labels: { anything: "goes", here: 1 },
          raiseError: true,
          awaitHandlers: false,
          ignoreLLM: false,
          ignoreChain: true,
          ignoreAgent: true,
          ignoreRetriever: true,
          ignoreCustomEvent: true,
          _awaitHandler: true,
          runs: { maxRuns: 10, ttlMs: 5, now: () => 0 },
          onHandlerError: () => {},
        },
        COST_SHAPE,
      ),
    ).not.toThrow();
    expect(() => validateOptions("X", undefined, COST_SHAPE)).not.toThrow();
  });

  it("names the owner and the full key path, suggests the closest key and lists the known ones", () => {
    expect(
      message(() => validateOptions("TokenCostCallbackHandler", { budget: { usd: 1 } }, COST_SHAPE)),
    ).toBe(
      'TokenCostCallbackHandler: unknown option "budget.usd". Did you mean "budget.perCallUsd"? Known options of "budget": perCallUsd, perTraceUsd, totalUsd, action',
    );
    expect(message(() => validateOptions("TokenCostCallbackHandler", { maxRecord: 10 }, COST_SHAPE))).toMatch(
      /^TokenCostCallbackHandler: unknown option "maxRecord"\. Did you mean "maxRecords"\? Known options: .*maxRecords/,
    );
    expect(message(() => validateOptions("H", { runs: { ttl: 5 } }, COST_SHAPE))).toMatch(
      /^H: unknown option "runs.ttl"\. Did you mean "runs.ttlMs"\?/,
    );
  });

  it("checks every value of an eachValue map, and plain objects inside arrays", () => {
    expect(message(() => validateOptions("P", { prices: { m: { inptu: 1 } } }, COST_SHAPE))).toMatch(
      /^P: unknown option "prices.m.inptu"\. Did you mean "prices.m.input"\?/,
    );
    const shape = { detectors: { name: true, pattern: true } };
    expect(message(() => validateOptions("R", { detectors: [{ name: "a" }, { nme: "b" }] }, shape))).toMatch(
      /^R: unknown option "detectors\[1\].nme"\. Did you mean "detectors\[1\].name"\?/,
    );
  });

  it("suggests nothing when no known key is close", () => {
    const text = message(() => validateOptions("S", { zzzzzzzz: 1 }, { show: true, level: true }));
    expect(text).toBe('S: unknown option "zzzzzzzz". Known options: show, level');
    expect(message(() => validateOptions("S", { toString: 1 }, { show: true }))).toMatch(
      /unknown option "toString"/,
    );
  });

  it("refuses options that are not an object", () => {
    for (const bad of [null, 3, "opts", [1], true]) {
      expect(message(() => validateOptions("O", bad, COST_SHAPE))).toMatch(
        /^O: options must be an object, got /,
      );
    }
  });

  it("does not descend into instances, functions or values marked true", () => {
    class Registry {
      unknownField = 1;
    }
    expect(() => validateOptions("M", { budget: new Registry() }, COST_SHAPE)).not.toThrow();
  });
});

describe("ChainwatchCallbackHandler checks its own runs keys", () => {
  class Plain extends ChainwatchCallbackHandler {
    name = "plain";
    constructor(options: ChainwatchHandlerOptions) {
      super("plain", options);
    }
  }

  it("an unknown runs key throws with the class name", () => {
    expect(message(() => new Plain({ runs: { maxRun: 5 } as never }))).toMatch(
      /^Plain: unknown option "runs.maxRun"\. Did you mean "runs.maxRuns"\?/,
    );
    expect(() => new Plain({ runs: { maxRuns: 5, ttlMs: 10 } })).not.toThrow();
  });
});
