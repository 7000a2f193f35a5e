import {
  EventRecorder,
  type FakeOpenAI,
  FixedRetriever,
  fakeChatOpenAI,
  retrievalChain,
  startFakeOpenAI,
  weatherAgent,
  weatherAgentScript,
  weatherTool,
} from "@chainwatch/testkit";
import { describeHandlerConformance } from "@chainwatch/testkit/conformance";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { Document } from "@langchain/core/documents";
import { AIMessage, HumanMessage } from "@langchain/core/messages";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedactor, PiiDetectedError, RedactingCallbackHandler, withRedaction } from "../src/index.js";
import { capturePrintedErrors, LineHandler, leakedValues, PII_PROMPT, RAW_VALUES } from "./fixtures.js";

describeHandlerConformance("withRedaction(line handler)", (context) =>
  withRedaction(
    new LineHandler({
      runs: context.runs,
      onHandlerError: context.onHandlerError,
      write: () => {
        if (context.failingSink) throw new Error("sink down");
      },
    }),
    undefined,
    { runs: context.runs, onHandlerError: context.onHandlerError },
  ),
);

/** The wrapper's own failure mode is redaction itself: a failing detector stands in for a failing sink. */
const failingDetector = createRedactor({
  detectors: [
    {
      type: "FAILING",
      detect: () => {
        throw new Error("detector down");
      },
    },
  ],
});

describeHandlerConformance("withRedaction(event recorder)", (context) =>
  withRedaction(new EventRecorder(), context.failingSink ? failingDetector : undefined, {
    runs: context.runs,
    onHandlerError: context.onHandlerError,
  }),
);

interface AIMessageChunkLike {
  message: { tool_call_chunks?: { args?: string }[] };
}

function everything(recorder: EventRecorder): string {
  // A property walker sees what a logger would: every argument, including class instances' own fields.
  const seen = new WeakSet<object>();
  const strings: string[] = [];
  const walk = (value: unknown, depth: number) => {
    if (typeof value === "string") strings.push(value);
    if (typeof value !== "object" || value === null || seen.has(value) || depth > 12) return;
    seen.add(value);
    if (value instanceof Error) strings.push(value.message, String(value.stack));
    for (const key of Object.keys(value)) walk((value as Record<string, unknown>)[key], depth + 1);
  };
  for (const event of recorder.events) walk(event.args, 0);
  return strings.join("\n");
}

describe("withRedaction", () => {
  let server: FakeOpenAI;
  beforeAll(async () => {
    server = await startFakeOpenAI();
  });
  afterAll(() => server.close());

  it("redacts the prompt, the response and every streamed token; the tokens still add up to the text", async () => {
    server.setScript({
      content: `Noted: ${RAW_VALUES.email} and card ${RAW_VALUES.card}. We will call ${RAW_VALUES.phone} today.`,
    });
    const recorder = new EventRecorder();
    const stream = await fakeChatOpenAI(server).stream(PII_PROMPT, { callbacks: [withRedaction(recorder)] });
    let output = "";
    for await (const chunk of stream) output += String(chunk.content);
    await awaitAllCallbacks();
    expect(leakedValues(output)).toHaveLength(3); // the user's own output is untouched
    expect(leakedValues(everything(recorder))).toEqual([]);
    const streamed = recorder.tokens().join("");
    expect(streamed).toBe(createRedactor().redactText(output));
    expect(streamed).toContain("[EMAIL]");
    expect(streamed).toContain("[CREDIT_CARD]");
    const start = recorder.of("handleChatModelStart")[0]?.args[1] as HumanMessage[][];
    expect(start[0]?.[0]?.content).toContain("[IBAN]");
    expect(start[0]?.[0]).toBeInstanceOf(HumanMessage);
  });

  it("flushes the held-back tail as a last token before the end event", async () => {
    server.setScript({ content: `short reply to ${RAW_VALUES.email}` });
    const recorder = new EventRecorder();
    const stream = await fakeChatOpenAI(server).stream("hi", { callbacks: [withRedaction(recorder)] });
    for await (const _ of stream);
    await awaitAllCallbacks();
    const names = recorder.events.map((event) => event.event);
    const lastToken = names.lastIndexOf("handleLLMNewToken");
    expect(names.indexOf("handleLLMEnd")).toBeGreaterThan(lastToken);
    expect(recorder.tokens().at(-1)).toBe("short reply to [EMAIL]");
    const fields = recorder.of("handleLLMNewToken").at(-1)?.args[5] as { chunk: { text: string } };
    expect(fields.chunk.text).toBe("short reply to [EMAIL]");
  });

  it("redacts content-part arrays, tool-call args, tool inputs and outputs, retriever queries and documents", async () => {
    server.setScript(weatherAgentScript(`Paris, ask ${RAW_VALUES.email}`));
    const recorder = new EventRecorder();
    await weatherAgent(fakeChatOpenAI(server)).invoke(
      {
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: `Weather for ${RAW_VALUES.phone}?` },
              { type: "text", text: `my key ${RAW_VALUES.apiKey}` },
            ],
          },
        ],
      },
      { callbacks: [withRedaction(recorder)] },
    );
    server.setScript(undefined);
    const retriever = new FixedRetriever({
      documents: [
        new Document({
          pageContent: `Customer IBAN ${RAW_VALUES.iban}`,
          metadata: { owner: RAW_VALUES.email },
        }),
      ],
    });
    await retrievalChain(fakeChatOpenAI(server), retriever).invoke(
      { question: `card ${RAW_VALUES.card}?` },
      { callbacks: [withRedaction(recorder)] },
    );
    await awaitAllCallbacks();
    expect(recorder.of("handleToolStart").length).toBeGreaterThan(0);
    expect(recorder.of("handleRetrieverEnd").length).toBe(1);
    expect(leakedValues(everything(recorder))).toEqual([]);
    const documents = recorder.of("handleRetrieverEnd")[0]?.args[0] as Document[];
    expect(documents[0]).toBeInstanceOf(Document);
    expect(documents[0]?.pageContent).toBe("Customer IBAN [IBAN]");
    expect(documents[0]?.metadata.owner).toBe("[EMAIL]");
    expect(String(recorder.of("handleRetrieverStart")[0]?.args[1])).toContain("[CREDIT_CARD]");
  });

  it("holds back streamed tool-call arguments too: a value split across fragments is still redacted", async () => {
    const args = JSON.stringify({ city: `Paris, notify ${RAW_VALUES.email}` });
    server.setScript({ toolCalls: [{ name: "get_weather", args }] });
    const recorder = new EventRecorder();
    const stream = await fakeChatOpenAI(server)
      .bindTools([weatherTool])
      .stream("weather?", { callbacks: [withRedaction(recorder)] });
    let raw = "";
    for await (const chunk of stream)
      raw += chunk.tool_call_chunks?.map((part) => part.args ?? "").join("") ?? "";
    await awaitAllCallbacks();
    server.setScript(undefined);
    expect(raw).toBe(args); // the fake server split it mid-value; the run itself is untouched
    const forwarded = recorder
      .of("handleLLMNewToken")
      .flatMap(
        (event) => (event.args[5] as { chunk: AIMessageChunkLike }).chunk.message.tool_call_chunks ?? [],
      )
      .map((part) => part.args ?? "")
      .join("");
    expect(forwarded).toBe(JSON.stringify({ city: "Paris, notify [EMAIL]" }));
    expect(leakedValues(everything(recorder))).toEqual([]);
    expect(everything(recorder)).not.toContain("maria");
  });

  it("redacts error messages and keeps the error's class and fields", async () => {
    const recorder = new EventRecorder();
    server.setScript({ status: 400, error: { message: `bad input from ${RAW_VALUES.email}` } });
    await expect(
      fakeChatOpenAI(server).invoke("x", { callbacks: [withRedaction(recorder)] }),
    ).rejects.toThrow(RAW_VALUES.email);
    server.setScript(undefined);
    await awaitAllCallbacks();
    const error = recorder.of("handleLLMError")[0]?.args[0] as Error & { status?: number };
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toContain("[EMAIL]");
    expect(error.message).not.toContain(RAW_VALUES.email);
    expect(error.stack).not.toContain(RAW_VALUES.email);
    expect(error.status).toBe(400);
  });

  it("never changes the run's own messages (redaction works on copies)", async () => {
    const message = new HumanMessage(PII_PROMPT);
    const recorder = new EventRecorder();
    await fakeChatOpenAI(server).invoke([message, new AIMessage("ok"), new HumanMessage("go")], {
      callbacks: [withRedaction(recorder)],
    });
    expect(message.content).toBe(PII_PROMPT);
    expect(server.requests.at(-1)?.body?.messages?.[0]?.content).toBe(PII_PROMPT);
  });

  it("preserves the wrapped handler's name, flags and lc_prefer_streaming, and never prefers stream events", () => {
    class Preferring extends BaseCallbackHandler {
      name = "preferring";
      lc_prefer_streaming = true;
    }
    const inner = new Preferring({
      raiseError: true,
      ignoreChain: true,
      ignoreRetriever: true,
      ignoreAgent: true,
    });
    const wrapped = withRedaction(inner);
    expect(wrapped).toBeInstanceOf(BaseCallbackHandler);
    expect(wrapped.name).toBe("preferring");
    expect(wrapped.raiseError).toBe(true);
    expect(wrapped.awaitHandlers).toBe(true);
    expect(wrapped.ignoreChain).toBe(true);
    expect(wrapped.ignoreRetriever).toBe(true);
    expect(wrapped.ignoreAgent).toBe(true);
    expect(wrapped.ignoreLLM).toBe(false);
    expect((wrapped as unknown as { lc_prefer_streaming?: boolean }).lc_prefer_streaming).toBe(true);
    expect("lc_prefer_chat_model_stream_events" in wrapped).toBe(false);
    const plain = withRedaction(new EventRecorder({ ignoreLLM: true }));
    expect(plain.ignoreLLM).toBe(true);
    expect(plain.raiseError).toBe(false);
    expect((plain as unknown as { lc_prefer_streaming?: boolean }).lc_prefer_streaming).toBeUndefined();
    expect(plain.copy()).toBeInstanceOf(RedactingCallbackHandler);
  });

  it("invoke() on a prefer-streaming wrapped handler streams, and the tokens are redacted", async () => {
    class TokenText extends BaseCallbackHandler {
      name = "token_text";
      lc_prefer_streaming = true;
      text = "";
      override handleLLMNewToken(token: string) {
        this.text += token;
      }
    }
    const inner = new TokenText();
    server.setScript({ content: `mail ${RAW_VALUES.email} now` });
    await fakeChatOpenAI(server).invoke("hi", { callbacks: [withRedaction(inner)] });
    await awaitAllCallbacks();
    expect(server.requests.at(-1)?.stream).toBe(true);
    expect(inner.text).toBe("mail [EMAIL] now");
  });

  it("a handler without handleChatModelStart gets a redacted handleLLMStart prompt, as LangChain would send", async () => {
    class Prompts extends BaseCallbackHandler {
      name = "prompts";
      prompts: string[] = [];
      override handleLLMStart(_llm: unknown, prompts: string[]) {
        this.prompts.push(...prompts);
      }
    }
    const inner = new Prompts();
    await fakeChatOpenAI(server).invoke(PII_PROMPT, { callbacks: [withRedaction(inner)] });
    await awaitAllCallbacks();
    expect(inner.prompts[0]).toMatch(/^Human: Hi, I am writing from \[EMAIL\]/);
    expect(leakedValues(inner.prompts.join())).toEqual([]);
  });

  it("forwards every other callback redacted, ids untouched (custom events, text, agent actions, stream events)", async () => {
    const received: { method: string; args: unknown[] }[] = [];
    class Everything extends BaseCallbackHandler {
      name = "everything";
    }
    const inner = new Everything();
    for (const method of [
      "handleCustomEvent",
      "handleText",
      "handleAgentAction",
      "handleAgentEnd",
      "handleChatModelStreamEvent",
      "handleToolError",
    ]) {
      (inner as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
        received.push({ method, args });
      };
    }
    const wrapped = withRedaction(inner) as unknown as Record<string, (...args: unknown[]) => unknown>;
    const runId = "0191f3b2-7c4e-7a1d-9f2e-3b5c6d7e8f90";
    await wrapped.handleCustomEvent?.("ticket", { from: RAW_VALUES.email }, runId, ["t"], {});
    await wrapped.handleText?.(`text ${RAW_VALUES.card}`, runId);
    await wrapped.handleAgentAction?.(
      { tool: "refund", toolInput: { iban: RAW_VALUES.iban }, log: "" },
      runId,
    );
    await wrapped.handleAgentEnd?.({ returnValues: { output: RAW_VALUES.phone }, log: "" }, runId);
    await wrapped.handleChatModelStreamEvent?.(
      { event: "content-block-delta", delta: { text: RAW_VALUES.ssn } },
      runId,
    );
    await wrapped.handleToolError?.(new Error(`no such user ${RAW_VALUES.email}`), runId);
    expect(received.map((entry) => entry.method)).toHaveLength(6);
    expect(leakedValues(JSON.stringify(received.map((entry) => entry.args)))).toEqual([]);
    expect((received[5]?.args[0] as Error | undefined)?.message).toBe("no such user [EMAIL]");
    expect(received.every((entry) => entry.args.includes(runId))).toBe(true);
    expect(received[0]?.args[0]).toBe("ticket");
  });

  it("a block strategy stops the run when the wrapped handler raises errors, and drops the event when not", async () => {
    const printed = await capturePrintedErrors(async () => {
      const blocking = createRedactor({ strategies: { EMAIL: "block" } });
      const before = server.requests.length;
      const raising = withRedaction(new EventRecorder({ raiseError: true }), blocking);
      await expect(
        fakeChatOpenAI(server).invoke(`mail ${RAW_VALUES.email}`, { callbacks: [raising] }),
      ).rejects.toBeInstanceOf(PiiDetectedError);
      expect(server.requests.length).toBe(before);
      const quiet = new EventRecorder();
      await fakeChatOpenAI(server).invoke(`mail ${RAW_VALUES.email}`, {
        callbacks: [withRedaction(quiet, blocking)],
      });
      await awaitAllCallbacks();
      expect(quiet.of("handleChatModelStart")).toHaveLength(0);
      expect(server.requests.length).toBe(before + 1);
    });
    expect(printed.length).toBeGreaterThan(0);
    for (const line of printed)
      expect(line).toMatch(/Error in handler RedactingCallbackHandler, handle\w+: PiiDetectedError/);
  });

  it("drops an event it failed to redact (reported once) instead of forwarding it raw", async () => {
    const failures: string[] = [];
    const broken = createRedactor({
      detectors: [
        {
          type: "BROKEN",
          detect: (text) => {
            if (text.includes("explode")) throw new Error("detector bug");
            return [];
          },
        },
      ],
    });
    server.setScript(undefined);
    const recorder = new EventRecorder();
    const wrapped = withRedaction(recorder, broken, {
      onHandlerError: (_e, context) => failures.push(context.method),
    });
    await fakeChatOpenAI(server).invoke("explode", { callbacks: [wrapped] });
    await fakeChatOpenAI(server).invoke("explode", { callbacks: [wrapped] });
    await awaitAllCallbacks();
    expect(recorder.of("handleChatModelStart")).toHaveLength(0);
    expect(failures).toEqual(["handleChatModelStart", "handleLLMEnd"]);
    expect(wrapped.handlerErrorCount).toBe(4);
  });
});
