import { manualClock } from "@chainwatch/testkit";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  carriesContent,
  contentParts,
  contentText,
  extractUsage,
  normalizeMessage,
  RunTracker,
  safeStringify,
  splitUsage,
  tokenDelta,
  truncate,
} from "../src/index.js";

const count = fc.nat({ max: 10_000_000 });

describe("properties: usage extraction", () => {
  it("never throws, and every count it returns is a finite non-negative integer", () => {
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withNullPrototype: true }), (input) => {
        const usage = extractUsage({
          generations: [[{ message: { usage_metadata: input } }]],
          llmOutput: input,
        });
        if (!usage) return;
        for (const value of Object.values(usage)) {
          if (typeof value === "number") expect(Number.isSafeInteger(value) && value >= 0).toBe(true);
        }
      }),
    );
  });

  it("reads back exactly what usage_metadata says, and splits it without counting anything twice", () => {
    fc.assert(
      fc.property(count, count, count, count, count, (input, output, cacheRead, cacheWrite, reasoning) => {
        const usage = extractUsage({
          generations: [
            [
              {
                message: {
                  usage_metadata: {
                    input_tokens: input,
                    output_tokens: output,
                    total_tokens: input + output,
                    input_token_details: { cache_read: cacheRead, cache_creation: cacheWrite },
                    output_token_details: { reasoning },
                  },
                },
              },
            ],
          ],
        });
        expect(usage).toMatchObject({
          inputTokens: input,
          outputTokens: output,
          totalTokens: input + output,
        });
        const parts = splitUsage(usage!);
        if (cacheRead + cacheWrite <= input) {
          expect(parts.uncachedInput + parts.cacheRead + parts.cacheWrite).toBe(input);
        }
        if (reasoning <= output) expect(parts.visibleOutput + parts.reasoning).toBe(output);
        for (const value of Object.values(parts)) expect(value).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it("sums the prompts of a batch", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(count, count), { minLength: 1, maxLength: 8 }), (pairs) => {
        const generations = pairs.map(([input, output]) => [
          {
            message: {
              usage_metadata: { input_tokens: input, output_tokens: output, total_tokens: input + output },
            },
          },
        ]);
        const usage = extractUsage({ generations });
        expect(usage?.inputTokens).toBe(pairs.reduce((sum, [input]) => sum + input, 0));
        expect(usage?.outputTokens).toBe(pairs.reduce((sum, [, output]) => sum + output, 0));
      }),
    );
  });
});

describe("properties: content normalisation", () => {
  it("never throws on any input", () => {
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withNullPrototype: true }), fc.string(), (input, token) => {
        contentParts(input);
        contentText(input);
        normalizeMessage(input);
        carriesContent(token, { chunk: { message: input } });
        tokenDelta(token, { chunk: { message: input } });
      }),
    );
  });

  it("the text of text blocks is their concatenation, media and reasoning left out", () => {
    const block = fc.oneof(
      fc.string().map((text) => ({ type: "text", text })),
      fc.string().map((thinking) => ({ type: "thinking", thinking })),
      fc.constant({ type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } }),
    );
    fc.assert(
      fc.property(fc.array(block), (blocks) => {
        const expected = blocks.map((b) => ("text" in b && b.type === "text" ? b.text : "")).join("");
        expect(contentText(blocks)).toBe(expected);
      }),
    );
  });

  it("a token carries content exactly when it is non-empty or brings a tool-call delta", () => {
    fc.assert(
      fc.property(fc.string(), fc.boolean(), (token, withToolCall) => {
        const message = { content: "", tool_call_chunks: withToolCall ? [{ index: 0, args: "{" }] : [] };
        expect(carriesContent(token, { chunk: { message } })).toBe(token.length > 0 || withToolCall);
      }),
    );
  });
});

describe("properties: safeStringify", () => {
  it("always returns valid JSON when not cut, and never more than the limit plus the cut marker", () => {
    fc.assert(
      fc.property(
        fc.anything({ withBigInt: true, withBoxedValues: true, withMap: true, withSet: true }),
        (input) => {
          expect(() =>
            JSON.parse(safeStringify(input, { maxLength: Number.POSITIVE_INFINITY })),
          ).not.toThrow();
          const cut = safeStringify(input, { maxLength: 50 });
          expect(cut.length).toBeLessThanOrEqual(50 + "…[+ chars]".length + 16);
        },
      ),
    );
  });

  it("survives cycles at any depth", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), (depth) => {
        const root: Record<string, unknown> = {};
        let node = root;
        for (let level = 0; level < depth; level++) node = node.child = {} as Record<string, unknown>;
        node.back = root;
        expect(safeStringify(root, { maxDepth: 64, maxLength: Number.POSITIVE_INFINITY })).toContain(
          "[Circular]",
        );
      }),
    );
  });

  it("truncate keeps short strings and cuts long ones to the limit", () => {
    fc.assert(
      fc.property(fc.string(), fc.nat({ max: 100 }), (text, max) => {
        const out = truncate(text, max);
        if (text.length <= max) expect(out).toBe(text);
        else expect(out.startsWith(text.slice(0, max))).toBe(true);
      }),
    );
  });
});

describe("properties: run tracker", () => {
  it("under any sequence of starts, tokens, ends and time: at most maxRuns, no call in flight evicted early, nothing held forever", () => {
    const TTL = 1_000;
    const IN_FLIGHT = 3_000;
    const step = fc.oneof(
      fc.record({
        kind: fc.constant("start" as const),
        id: fc.nat({ max: 50 }),
        parent: fc.option(fc.nat({ max: 50 })),
        type: fc.constantFrom("llm" as const, "chain" as const, "tool" as const),
      }),
      fc.record({ kind: fc.constant("token" as const), id: fc.nat({ max: 50 }) }),
      fc.record({ kind: fc.constant("end" as const), id: fc.nat({ max: 50 }), late: fc.boolean() }),
      fc.record({ kind: fc.constant("advance" as const), ms: fc.nat({ max: 400 }) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 200 }), (steps) => {
        const clock = manualClock();
        const streaming = new Set<string>();
        const tracker = new RunTracker({
          now: clock.now,
          ttlMs: TTL,
          inFlightTtlMs: IN_FLIGHT,
          observesTokens: true,
          maxRuns: 20,
          onEvict: (run, reason) => {
            // A model or tool call that never produced output is kept at least its in-flight bound.
            if (reason === "ttl" && run.runType !== "chain" && !streaming.has(run.runId)) {
              expect(clock.now() - run.lastSeen).toBeGreaterThanOrEqual(IN_FLIGHT);
            }
            if (reason === "ttl") expect(clock.now() - run.lastSeen).toBeGreaterThanOrEqual(TTL);
          },
        });
        for (const s of steps) {
          const id = `r${"id" in s ? s.id : 0}`;
          if (s.kind === "start") {
            streaming.delete(id);
            tracker.start({
              runId: id,
              parentRunId: s.parent === null ? undefined : `r${s.parent}`,
              runType: s.type,
              state: undefined,
            });
          } else if (s.kind === "token") {
            const run = tracker.get(id);
            if (run) {
              streaming.add(id);
              tracker.touch(run);
            }
          } else if (s.kind === "end") {
            const run = s.late ? tracker.settle(id) : tracker.end(id);
            if (run?.evicted !== undefined) expect(s.late).toBe(true);
          } else clock.advance(s.ms);
          expect(tracker.size).toBeLessThanOrEqual(20);
          expect(tracker.recentlyEvictedCount).toBeLessThanOrEqual(1_000);
        }
        // Nothing is held forever: each level of a waiting tree is released within its bounds.
        for (let round = 0; round < 60 && tracker.size > 0; round++) clock.advance(IN_FLIGHT + TTL);
        expect(tracker.size).toBe(0);
      }),
    );
  });
});
