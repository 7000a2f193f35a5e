import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { computeCost } from "../src/index.js";

const AT = new Date("2025-06-01T00:00:00Z");
const MODELS = [
  "gpt-4o-mini",
  "gpt-4o",
  "gpt-4.1",
  "o3-mini",
  "claude-3-5-sonnet-20241022",
  "gemini-1.5-flash",
];
const count = fc.nat({ max: 5_000_000 });

describe("properties: computeCost", () => {
  it("never throws, and gives either a cost with parts that add up, or null with a reason — never a silent 0 for junk", () => {
    const junk = fc.oneof(
      fc.double(),
      fc.integer({ min: -1_000, max: -1 }),
      fc.constant(Number.NaN),
      fc.string(),
      fc.constant(undefined),
    );
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom(...MODELS), fc.string(), fc.constant(undefined)),
        fc.record(
          { inputTokens: fc.oneof(count, junk), outputTokens: fc.oneof(count, junk) },
          { requiredKeys: [] },
        ),
        (model, usage) => {
          const result = computeCost({
            model,
            provider: "openai",
            usage: usage as { inputTokens?: number },
            at: AT,
          });
          if (result.cost === null) {
            expect(result.reason).toBeTruthy();
            return;
          }
          const { inputUsd, cacheReadUsd, cacheWriteUsd, outputUsd, reasoningUsd, otherUsd, totalUsd } =
            result.cost;
          for (const part of [
            inputUsd,
            cacheReadUsd,
            cacheWriteUsd,
            outputUsd,
            reasoningUsd,
            otherUsd,
            totalUsd,
          ]) {
            expect(Number.isFinite(part) && part >= 0).toBe(true);
          }
          expect(inputUsd + cacheReadUsd + cacheWriteUsd + outputUsd + reasoningUsd + otherUsd).toBeCloseTo(
            totalUsd,
            9,
          );
        },
      ),
    );
  });

  it("costs never go down when a call uses more tokens", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...MODELS),
        count,
        count,
        count,
        count,
        (model, input, output, moreInput, moreOutput) => {
          const base = computeCost({ model, usage: { inputTokens: input, outputTokens: output }, at: AT });
          const more = computeCost({
            model,
            usage: { inputTokens: input + moreInput, outputTokens: output + moreOutput },
            at: AT,
          });
          if (base.cost && more.cost)
            expect(more.cost.totalUsd).toBeGreaterThanOrEqual(base.cost.totalUsd - 1e-12);
        },
      ),
    );
  });

  it("reading tokens from the cache never costs more than sending them uncached", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("gpt-4o-mini", "gpt-4o", "gpt-4.1"),
        count,
        fc.double({ min: 0, max: 1, noNaN: true }),
        (model, input, share) => {
          const cached = Math.floor(input * share);
          const plain = computeCost({ model, usage: { inputTokens: input }, at: AT });
          const withCache = computeCost({
            model,
            usage: { inputTokens: input, cacheReadTokens: cached },
            at: AT,
          });
          if (plain.cost && withCache.cost)
            expect(withCache.cost.totalUsd).toBeLessThanOrEqual(plain.cost.totalUsd + 1e-12);
        },
      ),
    );
  });
});
