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
    // Streams whose consumer went away: tokens, then silence.
    tracker.touch(tracker.start({ runId: "abandoned", runType: "llm", state: undefined }));
    c.advance(50);
    tracker.touch(tracker.start({ runId: "recent", runType: "llm", state: undefined }));
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
    expect(() => new RunTracker({ ttlMs: 100, inFlightTtlMs: 50 })).toThrow(
      /inFlightTtlMs \(50\) must not be shorter than ttlMs \(100\)/,
    );
    expect(() => new RunTracker({ maxEvicted: -1 })).toThrow(
      /maxEvicted must be a non-negative integer, got -1/,
    );
    expect(new RunTracker({ ttlMs: 1_000 }).inFlightTtlMs).toBe(600_000);
    expect(new RunTracker({ ttlMs: 900_000 }).inFlightTtlMs).toBe(900_000);
  });

  it("holds at most maxRuns however many runs never end", () => {
    const tracker = new RunTracker({ now: clock().now, maxRuns: 1_000 });
    for (let index = 0; index < 50_000; index++)
      tracker.start({ runId: `run-${index}`, runType: "llm", state: undefined });
    expect(tracker.size).toBe(1_000);
    expect(tracker.evicted).toBe(49_000);
  });
});

describe("RunTracker: a slow call is not an abandoned one", () => {
  it("keeps a call in flight (no token yet) past ttlMs, and evicts it after inFlightTtlMs", () => {
    const c = clock();
    const evicted: [string, EvictionReason][] = [];
    const tracker = new RunTracker({
      now: c.now,
      ttlMs: 1_000,
      inFlightTtlMs: 5_000,
      observesTokens: true,
      onEvict: (run, reason) => evicted.push([run.runId, reason]),
    });
    tracker.start({ runId: "slow-model", runType: "llm", state: undefined });
    tracker.start({ runId: "slow-tool", runType: "tool", state: undefined });
    tracker.start({ runId: "slow-retriever", runType: "retriever", state: undefined });
    c.advance(2_500);
    expect(tracker.size).toBe(3);
    c.advance(2_499);
    expect(tracker.size).toBe(3);
    c.advance(1);
    expect(tracker.size).toBe(0);
    expect(evicted.map(([id]) => id).sort()).toEqual(["slow-model", "slow-retriever", "slow-tool"]);
    expect(evicted.every(([, reason]) => reason === "ttl")).toBe(true);
  });

  it("a tracker not told about every token cannot tell a slow model call from an abandoned stream: ttlMs", () => {
    const c = clock();
    const tracker = new RunTracker({ now: c.now, ttlMs: 1_000, inFlightTtlMs: 60_000 });
    tracker.start({ runId: "model", runType: "llm", state: undefined });
    tracker.start({ runId: "tool", runType: "tool", state: undefined });
    c.advance(1_000);
    expect(tracker.size).toBe(1);
    expect(tracker.get("tool")).toBeDefined();
    expect(tracker.settle("model")?.evicted).toBe("ttl");
  });

  it("a stream that produced tokens and then went silent idles on the short ttlMs", () => {
    const c = clock();
    const tracker = new RunTracker({ now: c.now, ttlMs: 1_000, inFlightTtlMs: 60_000, observesTokens: true });
    const run = tracker.start({ runId: "stream", runType: "llm", state: undefined });
    c.advance(10_000);
    tracker.markFirstToken(run);
    c.advance(999);
    expect(tracker.size).toBe(1);
    c.advance(1);
    expect(tracker.size).toBe(0);
  });

  it("a parent chain waiting on a live child is not idle; it idles from the child's end", () => {
    const c = clock();
    const tracker = new RunTracker({ now: c.now, ttlMs: 1_000, inFlightTtlMs: 60_000, observesTokens: true });
    tracker.start({ runId: "agent", runType: "chain", state: undefined });
    tracker.start({ runId: "step", parentRunId: "agent", runType: "chain", state: undefined });
    tracker.start({ runId: "model", parentRunId: "step", runType: "llm", state: undefined });
    c.advance(30_000);
    expect(tracker.size).toBe(3);
    tracker.end("model");
    c.advance(999);
    tracker.sweep();
    expect(tracker.get("step")).toBeDefined();
    c.advance(1);
    tracker.sweep();
    expect(tracker.get("step")).toBeUndefined();
    // The step's eviction was the agent's last activity.
    expect(tracker.get("agent")).toBeDefined();
    c.advance(2_001);
    expect(tracker.size).toBe(0);
  });

  it("a restarted run id does not leave its parent waiting forever", () => {
    const c = clock();
    const tracker = new RunTracker({ now: c.now, ttlMs: 1_000, inFlightTtlMs: 1_000 });
    tracker.start({ runId: "chain", runType: "chain", state: undefined });
    tracker.start({ runId: "child", parentRunId: "chain", runType: "llm", state: undefined });
    tracker.start({ runId: "child", parentRunId: "chain", runType: "llm", state: undefined });
    tracker.end("child");
    c.advance(2_001);
    expect(tracker.size).toBe(0);
  });
});

describe("RunTracker: late ends of evicted runs", () => {
  it("settle() returns a run evicted by ttl or capacity once, marked with the reason; end() does not", () => {
    const c = clock();
    const tracker = new RunTracker<string>({
      now: c.now,
      ttlMs: 100,
      inFlightTtlMs: 100,
      observesTokens: true,
      maxRuns: 2,
    });
    tracker.start({ runId: "a", runType: "llm", state: "state of a" });
    tracker.start({ runId: "b", runType: "llm", state: "b" });
    tracker.start({ runId: "c", runType: "llm", state: "c" });
    c.advance(300);
    expect(tracker.size).toBe(0);
    expect(tracker.recentlyEvictedCount).toBe(3);
    expect(tracker.end("a")).toBeUndefined();
    const late = tracker.settle("a");
    expect(late).toMatchObject({ runId: "a", evicted: "capacity", state: "state of a" });
    expect(tracker.settle("b")?.evicted).toBe("ttl");
    expect(tracker.settle("a")).toBeUndefined();
    expect(tracker.recentlyEvictedCount).toBe(1);
    // A run that ended normally is not marked.
    tracker.start({ runId: "d", runType: "llm", state: "d" });
    expect(tracker.settle("d")?.evicted).toBeUndefined();
  });

  it("remembers at most maxEvicted runs, the most recent ones; 0 turns late delivery off", () => {
    const tracker = new RunTracker({ now: clock().now, maxRuns: 1, maxEvicted: 3 });
    for (let index = 0; index < 10; index++)
      tracker.start({ runId: `r${index}`, runType: "llm", state: undefined });
    expect(tracker.recentlyEvictedCount).toBe(3);
    expect(tracker.settle("r5")).toBeUndefined();
    expect(tracker.settle("r8")?.evicted).toBe("capacity");
    const off = new RunTracker({ now: clock().now, maxRuns: 1, maxEvicted: 0 });
    off.start({ runId: "x", runType: "llm", state: undefined });
    off.start({ runId: "y", runType: "llm", state: undefined });
    expect(off.settle("x")).toBeUndefined();
    expect(off.recentlyEvictedCount).toBe(0);
  });
});
