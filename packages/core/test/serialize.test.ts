import { describe, expect, it } from "vitest";
import { safeStringify, truncate } from "../src/index.js";

describe("safeStringify", () => {
  it("handles circular references, BigInt, Buffers, functions, dates and errors without throwing", () => {
    const value: Record<string, unknown> = {
      n: 1n,
      buf: Buffer.alloc(1_000),
      f: function named() {},
      d: new Date(0),
    };
    value.self = value;
    value.err = new Error("bad");
    const json = JSON.parse(safeStringify(value));
    expect(json).toEqual({
      n: "1n",
      buf: "[Buffer 1000 bytes]",
      f: "[Function named]",
      d: "1970-01-01T00:00:00.000Z",
      self: "[Circular]",
      err: { name: "Error", message: "bad" },
    });
  });

  it("keeps a shared (non-circular) object twice", () => {
    const shared = { a: 1 };
    expect(JSON.parse(safeStringify({ x: shared, y: shared }))).toEqual({ x: { a: 1 }, y: { a: 1 } });
  });

  it("cuts a 10 MB prompt to the limit and says how much was cut", () => {
    const out = safeStringify({ prompt: "x".repeat(10 * 1024 * 1024) }, { maxLength: 100 });
    expect(out.length).toBeLessThan(140);
    expect(out).toMatch(/…\[\+\d+ chars\]$/);
  });

  it("bounds depth and survives throwing getters", () => {
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let index = 0; index < 50; index++) deep = deep.next = {} as Record<string, unknown>;
    expect(safeStringify(root, { maxDepth: 3 })).toBe('{"next":{"next":{"next":"[Object]"}}}');
    const hostile = Object.defineProperty({}, "boom", {
      enumerable: true,
      get() {
        throw new Error("getter");
      },
    });
    expect(safeStringify(hostile)).toBe('{"boom":"[Unreadable]"}');
    expect(safeStringify(Number.NaN)).toBe('"NaN"');
    expect(safeStringify(undefined)).toBe("null");
  });
});

describe("truncate", () => {
  it("leaves short strings alone", () => {
    expect(truncate("abc", 3)).toBe("abc");
    expect(truncate("abcd", 3)).toBe("abc…[+1 chars]");
  });
});
