import { RunBlockedError } from "@chainwatch/core";
import {
  type FakeOpenAI,
  fakeChatOpenAI,
  promptChain,
  startFakeOpenAI,
  weatherAgent,
  weatherAgentScript,
} from "@chainwatch/testkit";
import { describeHandlerConformance } from "@chainwatch/testkit/conformance";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { AIMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type PiiAuditRecord,
  PiiDetectedError,
  PiiGuardCallbackHandler,
  type Redactor,
} from "../src/index.js";
import { PII_PROMPT, RAW_VALUES } from "./fixtures.js";

/** The block guard writes to no sink; its own failure mode is detection, which fails open (reported). */
const failingRedactor = {
  detect: () => {
    throw new Error("detector down");
  },
} as unknown as Redactor;

describeHandlerConformance("PiiGuardCallbackHandler (block)", (context) => {
  return new PiiGuardCallbackHandler({
    mode: "block",
    runs: context.runs,
    onHandlerError: context.onHandlerError,
    ...(context.failingSink ? { redactor: failingRedactor } : {}),
  });
});

describeHandlerConformance("PiiGuardCallbackHandler (audit)", (context) => {
  const guard = new PiiGuardCallbackHandler({
    mode: "audit",
    // The conformance prompts hold no personal data; URL-free model replies neither. Count every word-ish
    // token as a finding so that the audit sink is really written (and fails when asked to).
    redactor: {
      detect: (text: string) => (text.length > 0 ? [{ type: "EMAIL", start: 0, end: 1, score: 1 }] : []),
    } as never,
    runs: context.runs,
    onHandlerError: context.onHandlerError,
    onAudit: () => {
      if (context.failingSink) throw new Error("audit sink down");
    },
  });
  return guard;
});

describe("PiiGuardCallbackHandler", () => {
  let server: FakeOpenAI;
  beforeAll(async () => {
    server = await startFakeOpenAI();
  });
  afterAll(() => server.close());
  // LangChain prints a raising handler's error ("Error in handler …") before it rethrows it: every line printed
  // must be the guard's PiiDetectedError, and nothing else.
  let printed: string[] = [];
  const originalError = console.error;
  beforeEach(() => {
    printed = [];
    console.error = (...args: unknown[]) => void printed.push(args.map(String).join(" "));
  });
  afterEach(() => {
    console.error = originalError;
    for (const line of printed) {
      expect(line).toMatch(/^Error in handler PiiGuardCallbackHandler, handle\w+: PiiDetectedError/);
    }
  });

  it("block: the call rejects with PiiDetectedError and no request leaves the process", async () => {
    const before = server.requests.length;
    const guard = new PiiGuardCallbackHandler({ mode: "block", types: ["CREDIT_CARD", "US_SSN"] });
    const error = await fakeChatOpenAI(server)
      .invoke(PII_PROMPT, { callbacks: [guard] })
      .then(
        () => undefined,
        (rejection: unknown) => rejection,
      );
    expect(error).toBeInstanceOf(PiiDetectedError);
    expect(error).toBeInstanceOf(RunBlockedError);
    const blocked = error as PiiDetectedError;
    expect(blocked.counts).toEqual({ CREDIT_CARD: 1, US_SSN: 1 });
    expect(blocked.message).not.toContain(RAW_VALUES.card);
    expect(blocked.message).not.toContain(RAW_VALUES.ssn);
    expect(server.requests.length).toBe(before);
    await awaitAllCallbacks();
    expect(printed).toHaveLength(1);
  });

  it("block: stops a model call inside a chain, and the chain rejects with the same error", async () => {
    const before = server.requests.length;
    const guard = new PiiGuardCallbackHandler();
    await expect(
      promptChain(fakeChatOpenAI(server)).invoke(
        { question: `is ${RAW_VALUES.email} ok?` },
        { callbacks: [guard] },
      ),
    ).rejects.toBeInstanceOf(PiiDetectedError);
    expect(server.requests.length).toBe(before);
  });

  it("block: .stream() and a tool-calling agent reject the same way, with no request sent", async () => {
    const before = server.requests.length;
    const guard = new PiiGuardCallbackHandler({ types: ["CREDIT_CARD"] });
    const streamed = async () => {
      for await (const _ of await fakeChatOpenAI(server).stream(PII_PROMPT, { callbacks: [guard] }));
    };
    await expect(streamed()).rejects.toBeInstanceOf(PiiDetectedError);
    server.setScript(weatherAgentScript());
    const agent = weatherAgent(fakeChatOpenAI(server));
    await expect(
      agent.invoke({ messages: [{ role: "user", content: PII_PROMPT }] }, { callbacks: [guard] }),
    ).rejects.toBeInstanceOf(PiiDetectedError);
    server.setScript(undefined);
    expect(server.requests.length).toBe(before);
  });

  it("block: lets a clean prompt through, and ignores types it was not asked about", async () => {
    const guard = new PiiGuardCallbackHandler({ types: ["US_SSN"] });
    const reply = await fakeChatOpenAI(server).invoke(`mail ${RAW_VALUES.email}`, { callbacks: [guard] });
    expect(String(reply.content)).toContain(RAW_VALUES.email);
  });

  it("audit: reports counts by type for prompts and replies, never a value, and never blocks", async () => {
    const records: PiiAuditRecord[] = [];
    const guard = new PiiGuardCallbackHandler({ mode: "audit", onAudit: (record) => records.push(record) });
    expect(guard.raiseError).toBe(false);
    const reply = await fakeChatOpenAI(server).invoke(PII_PROMPT, { callbacks: [guard] });
    await awaitAllCallbacks();
    expect(String(reply.content)).toContain(RAW_VALUES.card);
    const input = records.find((record) => record.source === "llm_input");
    expect(input?.counts).toEqual({ EMAIL: 1, CREDIT_CARD: 1, IBAN: 1, PHONE: 1, US_SSN: 1, API_KEY: 1 });
    expect(records.find((record) => record.source === "llm_output")?.counts.CREDIT_CARD).toBe(1);
    expect(guard.totals.CREDIT_CARD).toBe(2);
    const serialised = JSON.stringify(records);
    for (const value of Object.values(RAW_VALUES)) expect(serialised).not.toContain(value);
  });

  it("audit: a tool call in the history counts once, not once per copy LangChain keeps of it", async () => {
    const records: PiiAuditRecord[] = [];
    const guard = new PiiGuardCallbackHandler({ mode: "audit", onAudit: (record) => records.push(record) });
    const history = [
      new HumanMessage("refund please"),
      new AIMessage({
        content: "",
        tool_calls: [{ id: "call_1", name: "refund", args: { card: RAW_VALUES.card } }],
        additional_kwargs: {
          tool_calls: [
            {
              id: "call_1",
              type: "function",
              function: { name: "refund", arguments: JSON.stringify({ card: RAW_VALUES.card }) },
            },
          ],
        },
      }),
      new ToolMessage({ content: "done", tool_call_id: "call_1" }),
    ];
    await fakeChatOpenAI(server).invoke(history, { callbacks: [guard] });
    await awaitAllCallbacks();
    expect(records.find((record) => record.source === "llm_input")?.counts).toEqual({ CREDIT_CARD: 1 });
  });

  it("validates its options loudly", () => {
    expect(() => new PiiGuardCallbackHandler({ mode: "warn" as never })).toThrow(/"warn"/);
    expect(() => new PiiGuardCallbackHandler({ types: [] })).toThrow(/at least one/);
    expect(() => new PiiGuardCallbackHandler({ mdoe: "audit" } as never)).toThrow(/"mdoe".*"mode"/s);
    expect(() => new PiiGuardCallbackHandler({ runs: { maxRun: 5 } } as never)).toThrow(/maxRun/);
    expect(() => new PiiGuardCallbackHandler({ ignoreChain: true } as never)).not.toThrow();
  });
});
