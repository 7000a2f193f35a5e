import { describe, expect, it } from "vitest";
import { redactDeep } from "../src/redact-value.js";

const EMAIL = "ann.lee@example.com";
const redact = (text: string) => text.replaceAll(EMAIL, "[EMAIL]");

describe("redactDeep: every own property, however it is defined", () => {
  it("redacts non-enumerable and symbol-keyed values, and an error's message and stack", () => {
    const tag = Symbol("note");
    const value: Record<PropertyKey, unknown> = { visible: "fine" };
    Object.defineProperty(value, "hidden", { value: `to ${EMAIL}`, enumerable: false });
    value[tag] = `cc ${EMAIL}`;
    const error = new Error(`rejected ${EMAIL}`);
    const out = redactDeep({ value, error, list: [1, true, null, `by ${EMAIL}`] }, redact) as {
      value: Record<PropertyKey, unknown>;
      error: Error;
      list: unknown[];
    };
    expect(out.value.hidden).toBe("to [EMAIL]");
    expect(Object.getOwnPropertyDescriptor(out.value, "hidden")?.enumerable).toBe(false);
    expect(out.value[tag]).toBe("cc [EMAIL]");
    expect(out.value.visible).toBe("fine");
    expect(out.error).toBeInstanceOf(Error);
    expect(out.error.message).toBe("rejected [EMAIL]");
    expect(out.error.stack).not.toContain(EMAIL);
    expect(out.list).toEqual([1, true, null, "by [EMAIL]"]);
    // The input is left as it was.
    expect(value.hidden).toBe(`to ${EMAIL}`);
    expect(error.message).toBe(`rejected ${EMAIL}`);
  });

  it("returns what holds nothing to redact as it is (same objects), empty lists included", () => {
    const clean = { a: "x", b: [], c: { d: 1, e: [{ f: "y" }] } };
    expect(redactDeep(clean, redact)).toBe(clean);
    const mixed = { keep: clean.c, change: { g: EMAIL } };
    const out = redactDeep(mixed, redact) as typeof mixed;
    expect(out).not.toBe(mixed);
    expect(out.keep).toBe(clean.c);
    expect(out.change).toEqual({ g: "[EMAIL]" });
  });

  it("keeps a cycle a cycle and redacts inside it", () => {
    const node: Record<string, unknown> = { text: `from ${EMAIL}` };
    node.self = node;
    const out = redactDeep(node, redact) as Record<string, unknown>;
    expect(out.text).toBe("from [EMAIL]");
    expect(out.self).toBe(out);
  });

  it("redacts a value met on several paths at each of them, and copies a shared branch once", () => {
    const leaf = { text: `to ${EMAIL}` };
    const branch = { leaf, again: leaf };
    const out = redactDeep({ left: branch, right: branch, list: [leaf, [leaf]] }, redact) as {
      left: { leaf: { text: string }; again: { text: string } };
      right: unknown;
      list: [{ text: string }, [{ text: string }]];
    };
    expect(out.left.leaf.text).toBe("to [EMAIL]");
    expect(out.left.again.text).toBe("to [EMAIL]");
    expect(out.list[0].text).toBe("to [EMAIL]");
    expect(out.list[1][0].text).toBe("to [EMAIL]");
    // The branch holds objects, so it is remembered: both paths get the same copy.
    expect(out.right).toBe(out.left);
    expect(leaf.text).toBe(`to ${EMAIL}`);
  });
});
