import { Document } from "@langchain/core/documents";
import { AIMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { describe, expect, it } from "vitest";
import { createRedactor, detect, PiiDetectedError, redact, redactValue } from "../src/index.js";

const KEY = "a-test-key-of-32-characters-long!";

describe("redact / createRedactor", () => {
  it("redact: [TYPE] placeholders and findings with offsets into the original", () => {
    const text = "mail ann@example.com, card 4111 1111 1111 1111";
    const result = redact(text);
    expect(result.text).toBe("mail [EMAIL], card [CREDIT_CARD]");
    expect(result.findings.map((finding) => text.slice(finding.start, finding.end))).toEqual([
      "ann@example.com",
      "4111 1111 1111 1111",
    ]);
    expect(result.findings.every((finding) => finding.score >= 0.5 && finding.score <= 1)).toBe(true);
    expect(detect("nothing here")).toEqual([]);
  });

  it("mask keeps the last 4 and the separators", () => {
    const redactor = createRedactor({ defaultStrategy: "mask" });
    expect(redactor.redactText("card 4111-1111-1111-1111")).toBe("card ****-****-****-1111");
    expect(
      createRedactor({ defaultStrategy: "mask", maskKeep: 2, maskChar: "#" }).redactText("SSN 536-22-8726"),
    ).toBe("SSN ###-##-##26");
  });

  it("hash: keyed HMAC, stable for a key (correlatable, format-insensitive), different across keys", () => {
    const one = createRedactor({ defaultStrategy: "hash", hashKey: KEY });
    const other = createRedactor({ defaultStrategy: "hash", hashKey: `${KEY}2` });
    const a = one.redactText("Ann@Example.com");
    expect(a).toMatch(/^\[EMAIL:[0-9a-f]{12}\]$/);
    expect(one.redactText("ann@example.com")).toBe(a);
    expect(one.redactText("4111 1111 1111 1111")).toBe(one.redactText("4111-1111-1111-1111"));
    expect(other.redactText("ann@example.com")).not.toBe(a);
  });

  it("hash without a key (or a short one) is refused: never unsalted", () => {
    expect(() => createRedactor({ strategies: { EMAIL: "hash" } })).toThrow(/hashKey/);
    expect(() => createRedactor({ defaultStrategy: "hash", hashKey: "short" })).toThrow(/at least 16/);
  });

  it("block throws PiiDetectedError with counts, never the values", () => {
    const redactor = createRedactor({ strategies: { US_SSN: "block" } });
    expect(redactor.redactText("mail ann@example.com")).toBe("mail [EMAIL]");
    let error: unknown;
    try {
      redactor.redactText("SSN 536-22-8726 and 536-22-8727");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PiiDetectedError);
    expect((error as PiiDetectedError).counts).toEqual({ US_SSN: 2 });
    expect((error as Error).message).not.toContain("536");
  });

  it("allow-lists (strings, case-insensitive, and patterns) and per-type selection", () => {
    const redactor = createRedactor({ allow: ["Support@Example.com", /^4111[ -]?1111/] });
    expect(redactor.redactText("support@example.com / 4111 1111 1111 1111 / ann@example.com")).toBe(
      "support@example.com / 4111 1111 1111 1111 / [EMAIL]",
    );
    expect(createRedactor({ types: ["CREDIT_CARD"] }).redactText("ann@example.com 4111111111111111")).toBe(
      "ann@example.com [CREDIT_CARD]",
    );
  });

  it("custom detectors and placeholders", () => {
    const redactor = createRedactor({
      detectors: [
        {
          type: "EMPLOYEE_ID",
          *detect(text) {
            for (const match of text.matchAll(/\bEMP-\d{6}\b/g)) {
              yield { start: match.index, end: match.index + match[0].length, score: 0.9 };
            }
          },
        },
      ],
      placeholder: (type) => `<${type.toLowerCase()}>`,
    });
    expect(redactor.redactText("EMP-123456 wrote from ann@example.com")).toBe(
      "<employee_id> wrote from <email>",
    );
  });

  it("validates options loudly, naming the bad value", () => {
    expect(() => createRedactor({ types: ["EMAILS" as never] })).toThrow(/"EMAILS"/);
    expect(() => createRedactor({ strategies: { EMAIL: "drop" as never } })).toThrow(/"drop"/);
    expect(() => createRedactor({ minScore: 2 })).toThrow(/minScore/);
    expect(() => createRedactor({ detectors: [{} as never] })).toThrow(/custom detector/);
  });
});

describe("redactValue", () => {
  it("copies messages with every content part, tool-call args and kwargs redacted; the originals are unchanged", () => {
    const human = new HumanMessage({
      content: [
        { type: "text", text: "I am ann@example.com" },
        { type: "image_url", image_url: { url: "https://example.com/ann.png" } },
      ],
    });
    const ai = new AIMessage({
      content: "",
      tool_calls: [{ id: "c1", name: "refund", args: { card: "4111 1111 1111 1111", amount: 12 } }],
    });
    const tool = new ToolMessage({ content: "refunded to DE89 3704 0044 0532 0130 00", tool_call_id: "c1" });
    const [h, a, t] = redactValue([human, ai, tool]);
    expect(h).toBeInstanceOf(HumanMessage);
    expect(h?.content).toEqual([
      { type: "text", text: "I am [EMAIL]" },
      { type: "image_url", image_url: { url: "[URL]" } },
    ]);
    expect((a as AIMessage).tool_calls?.[0]?.args).toEqual({ card: "[CREDIT_CARD]", amount: 12 });
    expect(t?.content).toBe("refunded to [IBAN]");
    expect(t?.text).toBe("refunded to [IBAN]");
    expect(JSON.stringify(h?.lc_kwargs)).not.toContain("ann@");
    expect(JSON.stringify(human.content)).toContain("ann@example.com");
    expect(ai.tool_calls?.[0]?.args.card).toBe("4111 1111 1111 1111");
  });

  it("documents, errors (message, stack, fields), cycles, and values nested too deep", () => {
    const document = new Document({ pageContent: "SSN 536-22-8726", metadata: { email: "ann@example.com" } });
    const error = Object.assign(new TypeError("no user ann@example.com"), { status: 404 });
    const cyclic: Record<string, unknown> = { email: "ann@example.com" };
    cyclic.self = cyclic;
    const [d, e, c] = redactValue([document, error, cyclic] as const);
    expect(d).toBeInstanceOf(Document);
    expect(d.pageContent).toBe("SSN [US_SSN]");
    expect(d.metadata).toEqual({ email: "[EMAIL]" });
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toBe("no user [EMAIL]");
    expect(e.stack).not.toContain("ann@");
    expect((e as unknown as { status: number }).status).toBe(404);
    expect(c.self).toBe(c);
    let deep: unknown = "ann@example.com";
    for (let index = 0; index < 40; index++) deep = { deep };
    expect(JSON.stringify(redactValue(deep))).not.toContain("ann@");
  });
});

describe("redactor shortcuts", () => {
  it("leaves base64 data URLs alone but still redacts text around them", () => {
    const image = `data:image/png;base64,${"iVBORw0KGgoAAAANSUhEUgAA".repeat(200)}`;
    expect(redactValue({ url: image, caption: "sent by ann@example.com" })).toEqual({
      url: image,
      caption: "sent by [EMAIL]",
    });
    expect(redact("data:text/plain,mail ann@example.com").text).toBe("data:text/plain,mail [EMAIL]");
  });

  it("custom detectors still see short strings", () => {
    const redactor = createRedactor({
      detectors: [
        { type: "PIN", detect: (text) => (/^\d{4}$/.test(text) ? [{ start: 0, end: 4, score: 1 }] : []) },
      ],
    });
    expect(redactor.redactText("1234")).toBe("[PIN]");
  });
});

describe("redactValue and live objects", () => {
  it("passes URLs, abort signals and maps by reference instead of breaking them", () => {
    const url = new URL("https://example.com/?u=ann");
    const signal = new AbortController().signal;
    const map = new Map([["k", "v"]]);
    const copy = redactValue({ url, signal, map, note: "ann@example.com" });
    expect(copy.url).toBe(url);
    expect(copy.url.href).toBe("https://example.com/?u=ann");
    expect(copy.signal).toBe(signal);
    expect(copy.map).toBe(map);
    expect(copy.note).toBe("[EMAIL]");
  });
});
