import { describe, expect, it } from "vitest";
import { type CostSource, resolveCostSource } from "../src/index.js";

describe("resolveCostSource", () => {
  const output = { generations: [] };

  it("is undefined when no source is given", () => {
    expect(resolveCostSource(undefined, "Test")).toBeUndefined();
  });

  it("accepts a function and passes the result and the hint through", () => {
    const seen: unknown[] = [];
    const cost = resolveCostSource((result, hint) => {
      seen.push(result, hint);
      return 0.25;
    }, "Test");
    expect(cost?.(output, { model: "m", provider: "p" })).toBe(0.25);
    expect(seen).toEqual([output, { model: "m", provider: "p" }]);
  });

  it("accepts an object with costOfLLMResult, called as a method", () => {
    const source: CostSource & { rate: number } = {
      rate: 2,
      costOfLLMResult(_output, hint) {
        return hint.model === "m" ? this.rate : undefined;
      },
    };
    const cost = resolveCostSource(source, "Test");
    expect(cost?.(output, { model: "m" })).toBe(2);
    expect(cost?.(output, {})).toBeUndefined();
  });

  it("turns NaN, negative, infinite and non-number answers into undefined", () => {
    for (const bad of [Number.NaN, -1, Number.POSITIVE_INFINITY, "0.1", null]) {
      const cost = resolveCostSource(() => bad as number, "Test");
      expect(cost?.(output, {}), String(bad)).toBeUndefined();
    }
    expect(resolveCostSource(() => 0, "Test")?.(output, {})).toBe(0);
  });

  it("throws at construction for anything else, naming the owner and the value", () => {
    expect(() => resolveCostSource("cheap" as never, "PinoCallbackHandler")).toThrow(
      'PinoCallbackHandler: cost must be a function or have a costOfLLMResult() method (a TokenCostCallbackHandler), got "cheap"',
    );
    expect(() => resolveCostSource({} as never, "X")).toThrow("got an object without costOfLLMResult()");
    expect(() => resolveCostSource(null as never, "X")).toThrow("got null");
  });
});
