import { manualClock as clock } from "@chainwatch/testkit";
import { describe, expect, it } from "vitest";
import { type EvictionReason, RunTracker } from "../src/index.js";

describe("RunTracker", () => {
  it("links a run to its parent's trace and depth, and drops it on end", () => {
    const c = clock();
    const tracker = new RunTracker<string>({ now: c.now });
    tracker.start({ runId: "root", runType: "chain", state: "r" });
    const child = tracker.start({
      runId: "llm",
      parentRunId: "root",
      runType: "llm",
      name: "ChatOpenAI",
      state: "l",
    });
    const grandchild = tracker.start({ runId: "tool", parentRunId: "llm", runType: "tool", state: "t" });
    expect(child).toMatchObject({ traceId: "root", depth: 1, name: "ChatOpenAI", state: "l" });
    expect(grandchild).toMatchObject({ traceId: "root", depth: 2 });
    expect(tracker.size).toBe(3);
    expect(tracker.end("llm")?.state).toBe("l");
    expect(tracker.end("llm")).toBeUndefined();
    expect(tracker.size).toBe(2);
  });

  it("uses the unseen parent as the trace of a run whose parent it never saw", () => {
    const tracker = new RunTracker({ now: clock().now });
    expect(
      tracker.start({ runId: "a", parentRunId: "unseen", runType: "llm", state: undefined }),
    ).toMatchObject({
      traceId: "unseen",
      depth: 1,
    });
    expect(tracker.start({ runId: "b", runType: "llm", state: undefined })).toMatchObject({
      traceId: "b",
      depth: 0,
    });
  });

  it("evicts runs idle past the TTL and says why", () => {
    const c = clock();
    const evicted: [string, EvictionReason][] = [];
    const tracker = new RunTracker({
      now: c.now,
      ttlMs: 100,
      onEvict: (run, reason) => evicted.push([run.runId, reason]),
    });
    tracker.start({ runId: "abandoned", runType: "llm", state: undefined });
    c.advance(50);
    tracker.start({ runId: "recent", runType: "llm", state: undefined });
    c.advance(60);
    expect(tracker.size).toBe(1);
    expect(evicted).toEqual([["abandoned", "ttl"]]);
    expect(tracker.get("recent")).toBeDefined();
    expect(tracker.evicted).toBe(1);
  });

  it("keeps a long run alive while it is active (tokens, or children starting)", () => {
    const c = clock();
    const tracker = new RunTracker({ now: c.now, ttlMs: 100 });
    const stream = tracker.start({ runId: "stream", runType: "llm", state: undefined });
    tracker.start({ runId: "agent", runType: "chain", state: undefined });
    for (let step = 0; step < 10; step++) {
      c.advance(60);
      tracker.touch(stream);
      tracker.start({ runId: `step-${step}`, parentRunId: "agent", runType: "llm", state: undefined });
      tracker.end(`step-${step}`);
    }
    expect(tracker.get("stream")).toBeDefined();
    expect(tracker.get("agent")).toBeDefined();
    c.advance(101);
    expect(tracker.size).toBe(0);
  });

  it("evicts the oldest run past maxRuns", () => {
    const evicted: string[] = [];
    const tracker = new RunTracker({
      now: clock().now,
      maxRuns: 3,
      onEvict: (run) => evicted.push(run.runId),
    });
    for (const id of ["a", "b", "c", "d", "e"])
      tracker.start({ runId: id, runType: "llm", state: undefined });
    expect(tracker.size).toBe(3);
    expect(evicted).toEqual(["a", "b"]);
  });

  it("records the first token once", () => {
    const c = clock(10);
    const tracker = new RunTracker({ now: c.now });
    const run = tracker.start({ runId: "r", runType: "llm", state: undefined });
    c.advance(5);
    expect(tracker.markFirstToken(run)).toBe(true);
    c.advance(5);
    expect(tracker.markFirstToken(run)).toBe(false);
    expect(run.firstTokenTime).toBe(15);
  });

  it("survives parent ids that form a cycle", () => {
    const tracker = new RunTracker({ now: clock().now });
    tracker.start({ runId: "a", parentRunId: "b", runType: "chain", state: undefined });
    tracker.start({ runId: "b", parentRunId: "a", runType: "chain", state: undefined });
    expect(() =>
      tracker.start({ runId: "c", parentRunId: "a", runType: "llm", state: undefined }),
    ).not.toThrow();
  });

  it("rejects bad options with the value in the message", () => {
    expect(() => new RunTracker({ ttlMs: -1 })).toThrow(/ttlMs must be a positive finite number, got -1/);
    expect(() => new RunTracker({ maxRuns: Number.NaN })).toThrow(/maxRuns .* got NaN/);
  });

  it("holds at most maxRuns however many runs never end", () => {
    const tracker = new RunTracker({ now: clock().now, maxRuns: 1_000 });
    for (let index = 0; index < 50_000; index++)
      tracker.start({ runId: `run-${index}`, runType: "llm", state: undefined });
    expect(tracker.size).toBe(1_000);
    expect(tracker.evicted).toBe(49_000);
  });
});
