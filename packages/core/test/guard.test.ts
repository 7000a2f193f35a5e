import { describe, expect, it } from "vitest";
import { type HandlerErrorContext, HandlerGuard, RunBlockedError } from "../src/index.js";

describe("HandlerGuard", () => {
  it("catches sync failures, reports the first per method, counts the rest", () => {
    const reports: [unknown, HandlerErrorContext][] = [];
    const guard = new HandlerGuard("h", (error, context) => reports.push([error, context]));
    const boom = guard.wrap(
      "handleLLMNewToken",
      () => {
        throw new Error("boom");
      },
      undefined,
    );
    for (let index = 0; index < 1_000; index++) expect(boom()).toBeUndefined();
    const other = guard.wrap(
      "handleLLMEnd",
      () => {
        throw new Error("end");
      },
      undefined,
    );
    other();
    expect(reports.map(([, context]) => context.method)).toEqual(["handleLLMNewToken", "handleLLMEnd"]);
    expect(guard.errorCount).toBe(1_001);
  });

  it("turns async rejections into reports, not rejections", async () => {
    const reports: string[] = [];
    const guard = new HandlerGuard("h", (_error, context) => reports.push(context.method));
    const failing = guard.wrap(
      "handleChainEnd",
      async () => {
        throw new Error("later");
      },
      undefined,
    );
    await expect(failing()).resolves.toBeUndefined();
    expect(reports).toEqual(["handleChainEnd"]);
  });

  it("lets RunBlockedError through, sync and async", async () => {
    const guard = new HandlerGuard("h", () => {});
    const sync = guard.wrap(
      "handleChatModelStart",
      () => {
        throw new RunBlockedError("blocked");
      },
      undefined,
    );
    expect(() => sync()).toThrow(RunBlockedError);
    const async = guard.wrap(
      "handleChatModelStart",
      async () => {
        throw new RunBlockedError("blocked later");
      },
      undefined,
    );
    await expect(async()).rejects.toThrow("blocked later");
    expect(guard.errorCount).toBe(0);
  });

  it("passes arguments, this and return values through", () => {
    const guard = new HandlerGuard("h");
    const self = { factor: 2 };
    const wrapped = guard.wrap(
      "m",
      function (this: typeof self, a: unknown, b: unknown) {
        return (a as number) * (b as number) * this.factor;
      } as (...args: unknown[]) => unknown,
      self,
    );
    expect(wrapped(3, 4)).toBe(24);
  });

  it("survives a reporter that throws", () => {
    const guard = new HandlerGuard("h", () => {
      throw new Error("reporter broke");
    });
    const failing = guard.wrap(
      "m",
      () => {
        throw new Error("x");
      },
      undefined,
    );
    expect(() => failing()).not.toThrow();
  });

  it("names the error class after the subclass", () => {
    class BudgetExceeded extends RunBlockedError {}
    expect(new BudgetExceeded("over").name).toBe("BudgetExceeded");
  });
});
