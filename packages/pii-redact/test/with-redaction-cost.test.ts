import { EventRecorder, type FakeOpenAI, fakeChatOpenAI, startFakeOpenAI } from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import { RunnableLambda } from "@langchain/core/runnables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRedactor,
  cutMarker,
  type RecordedContent,
  type Redactor,
  withRedaction,
} from "../src/index.js";
import { leakedValues, PII_PROMPT, RAW_VALUES } from "./fixtures.js";

let server: FakeOpenAI;
beforeAll(async () => {
  server = await startFakeOpenAI();
});
afterAll(async () => {
  await server.close();
});

/** An event recorder that declares what it records. */
class DeclaringRecorder extends EventRecorder {
  constructor(readonly recordedContent: RecordedContent) {
    super();
  }
}

/** A redactor that counts the texts it is asked to redact. */
function countingRedactor(): Redactor & { texts: string[] } {
  const base = createRedactor();
  const texts: string[] = [];
  const redactText = (text: string) => {
    texts.push(text);
    return base.redactText(text);
  };
  return { ...base, texts, redactText };
}

/** The messages the recorder's first chat-model start received. */
const modelMessages = (recorder: EventRecorder): HumanMessage[] =>
  (recorder.of("handleChatModelStart")[0]?.args[1] as HumanMessage[][] | undefined)?.[0] ?? [];
const modelInput = (recorder: EventRecorder) => modelMessages(recorder)[0];

describe("withRedaction: only the work its handler needs", () => {
  it('content "none": prompt, reply and tokens pass untouched (same objects); errors and metadata are still redacted', async () => {
    server.setScript({ content: `Mail ${RAW_VALUES.email}` });
    const recorder = new DeclaringRecorder({ content: "none" });
    const prompt = [new HumanMessage(PII_PROMPT)];
    const model = fakeChatOpenAI(server);
    const stream = await model.stream(prompt, {
      callbacks: [withRedaction(recorder)],
      metadata: { user: RAW_VALUES.email },
    });
    for await (const _ of stream);
    await awaitAllCallbacks();
    expect(modelInput(recorder)).toBe(prompt[0]);
    expect(recorder.tokens().join("")).toContain(RAW_VALUES.email);
    expect(JSON.stringify(recorder.of("handleChatModelStart")[0]?.args[6])).not.toContain(RAW_VALUES.email);

    server.setScript({ status: 400, error: { message: `bad request from ${RAW_VALUES.email}` } });
    await expect(model.invoke("hi", { callbacks: [withRedaction(recorder)] })).rejects.toThrow();
    const error = recorder.of("handleLLMError")[0]?.args[0] as Error;
    expect(error.message).not.toContain(RAW_VALUES.email);
  });

  it('content "truncate": strings are cut before they are redacted, never mid-value, and never shown raw', async () => {
    server.setScript({ content: "ok" });
    const recorder = new DeclaringRecorder({ content: "truncate", maxLength: 300 });
    const lines = Array.from({ length: 3000 }, (_, index) => `user${index}@example.com wrote in. `).join("");
    await fakeChatOpenAI(server).invoke(lines, { callbacks: [withRedaction(recorder)] });
    const received = String(modelInput(recorder)?.content);
    expect(received).toContain("[EMAIL]");
    expect(received).toMatch(/\[REDACTED:CUT \d+ chars\]$/);
    expect(received.length).toBeLessThan(600);
    expect(received).not.toMatch(/user\d+@|@example|example\.com/);
  });

  it("inputs: false (a token printer): inputs pass untouched, outputs are redacted", async () => {
    server.setScript({ content: `Refund to ${RAW_VALUES.card}` });
    const recorder = new DeclaringRecorder({ content: "full", inputs: false });
    const prompt = [new HumanMessage(PII_PROMPT)];
    await fakeChatOpenAI(server).invoke(prompt, { callbacks: [withRedaction(recorder)] });
    expect(modelInput(recorder)).toBe(prompt[0]);
    expect(leakedValues(JSON.stringify(recorder.of("handleLLMEnd")[0]?.args[0]))).toEqual([]);
  });

  it("chains: false: chain inputs and outputs pass untouched (same objects); the model's output is redacted", async () => {
    server.setScript({ content: `Refund to ${RAW_VALUES.card}` });
    const recorder = new DeclaringRecorder({ content: "full", chains: false });
    const input = { question: PII_PROMPT };
    const model = fakeChatOpenAI(server);
    const chain = RunnableLambda.from(async (value: { question: string }) => {
      const reply = await model.invoke(value.question);
      return { answer: String(reply.content), asked: value.question };
    });
    await chain.invoke(input, { callbacks: [withRedaction(recorder)] });
    await awaitAllCallbacks();
    expect(recorder.of("handleChainStart")[0]?.args[1]).toBe(input);
    const chainOutput = recorder.of("handleChainEnd")[0]?.args[0] as { answer: string; asked: string };
    expect(chainOutput.asked).toBe(PII_PROMPT);
    expect(leakedValues(JSON.stringify(recorder.of("handleLLMEnd")[0]?.args[0]))).toEqual([]);
    expect(leakedValues(String(modelInput(recorder)?.content))).toEqual([]);
    expect(() =>
      withRedaction(recorder, undefined, { recordedContent: { content: "full", chains: "no" as never } }),
    ).toThrow(/recordedContent.chains must be a boolean/);
  });

  it("the withRedaction option overrides the handler's declaration", async () => {
    server.setScript({ content: "ok" });
    const recorder = new DeclaringRecorder({ content: "none" });
    const wrapper = withRedaction(recorder, undefined, { recordedContent: { content: "full" } });
    expect(wrapper.recordedContent).toEqual({ content: "full" });
    await fakeChatOpenAI(server).invoke(PII_PROMPT, { callbacks: [wrapper] });
    expect(leakedValues(String(modelInput(recorder)?.content))).toEqual([]);
  });

  it("copies only what changed: a clean message is forwarded as it is, one with PII is copied and left intact", async () => {
    server.setScript({ content: "ok" });
    const recorder = new EventRecorder();
    const clean = new SystemMessage("You answer briefly.");
    const personal = new HumanMessage(PII_PROMPT);
    await fakeChatOpenAI(server).invoke([clean, personal], { callbacks: [withRedaction(recorder)] });
    const [system, human] = modelMessages(recorder);
    expect(system).toBe(clean);
    expect(human).not.toBe(personal);
    expect(human).toBeInstanceOf(HumanMessage);
    expect(leakedValues(JSON.stringify(human))).toEqual([]);
    expect(personal.content).toBe(PII_PROMPT);
  });

  it("redacts each distinct string once, across runs and across wrappers sharing a redactor", async () => {
    server.setScript({ content: "ok" });
    const redactor = countingRedactor();
    const callbacks = [
      withRedaction(new EventRecorder(), redactor),
      withRedaction(new EventRecorder(), redactor),
    ];
    const system = "You are the support assistant of Example Corp; reply in two sentences.";
    for (let run = 0; run < 3; run++) {
      await fakeChatOpenAI(server).invoke([new SystemMessage(system), new HumanMessage(`question ${run}`)], {
        callbacks,
      });
    }
    expect(redactor.texts.filter((text) => text === system)).toHaveLength(1);
  });

  it("`serialized` is walked once per event for every wrapper sharing a redactor, and redacted", async () => {
    server.setScript({ content: "ok" });
    const redactor = createRedactor();
    const first = new EventRecorder();
    const second = new EventRecorder();
    const raw = new EventRecorder();
    const model = fakeChatOpenAI(server, {
      configuration: { defaultHeaders: { "x-user": RAW_VALUES.email } },
    });
    await model.invoke("hi", {
      callbacks: [withRedaction(first, redactor), withRedaction(second, redactor), raw],
    });
    const seen = [first, second].map((recorder) => recorder.of("handleChatModelStart")[0]?.args[0]);
    // LangChain's serialized form of this model carries the header: there is something to redact.
    expect(JSON.stringify(raw.of("handleChatModelStart")[0]?.args[0])).toContain(RAW_VALUES.email);
    expect(seen[0]).toBeDefined();
    // The second wrapper got the first one's result: the same object, not a second walk's copy.
    expect(seen[1]).toBe(seen[0]);
    expect(leakedValues(JSON.stringify(seen[0]))).toEqual([]);
  });

  it("a streamed answer is redacted once: its copy in the end event comes from the stream's result", async () => {
    const answer = `Your refund of 40 EUR goes to ${RAW_VALUES.email} today, ticket ${Date.now()}.`;
    server.setScript({ content: answer });
    const redactor = countingRedactor();
    const recorder = new EventRecorder();
    const stream = await fakeChatOpenAI(server).stream("status?", {
      callbacks: [withRedaction(recorder, redactor)],
    });
    for await (const _ of stream);
    await awaitAllCallbacks();
    const end = recorder.of("handleLLMEnd")[0]?.args[0] as { generations: { text: string }[][] };
    const text = end.generations[0]?.[0]?.text ?? "";
    expect(text).toContain("[EMAIL]");
    expect(leakedValues(text)).toEqual([]);
    expect(text).toBe(recorder.tokens().join(""));
    expect(redactor.texts).not.toContain(answer);
  });

  it("run and message ids (UUIDs) skip the redactor; a UUID inside other text does not", async () => {
    server.setScript({ content: "ok" });
    const redactor = countingRedactor();
    const recorder = new EventRecorder();
    const uuid = /^(run-)?[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i;
    const id = "run-0f8fad5b-d9cb-469f-a165-70867728950e";
    await fakeChatOpenAI(server).invoke(`ticket ${id} from ${RAW_VALUES.email}`, {
      callbacks: [withRedaction(recorder, redactor)],
      metadata: { request_id: "0f8fad5b-d9cb-469f-a165-70867728950e" },
    });
    expect(redactor.texts.length).toBeGreaterThan(0);
    expect(redactor.texts.filter((text) => uuid.test(text))).toEqual([]);
    const end = recorder.of("handleLLMEnd")[0]?.args[0] as {
      generations: { message: { id?: string } }[][];
    };
    expect(end.generations[0]?.[0]?.message.id).toMatch(/^chatcmpl-|^run-/);
    const received = String(modelInput(recorder)?.content);
    expect(received).toContain(id);
    expect(leakedValues(received)).toEqual([]);
    expect(redactor.texts.some((text) => text.includes(id))).toBe(true);
  });

  it("past maxEventChars an event's text is cut with a marker, never forwarded raw", async () => {
    server.setScript({ content: "ok" });
    const recorder = new EventRecorder();
    const big = `${PII_PROMPT} `.repeat(5000);
    await fakeChatOpenAI(server).invoke(big, {
      callbacks: [withRedaction(recorder, undefined, { maxEventChars: 10_000 })],
    });
    const received = String(modelInput(recorder)?.content);
    expect(received.length).toBeLessThan(10_100);
    expect(received).toContain("[EMAIL]");
    expect(received).toContain(cutMarker(0).split(" ")[0]);
    expect(leakedValues(received)).toEqual([]);
  });

  it("refuses unknown option keys, in its options and in a declaration", () => {
    const recorder = new EventRecorder();
    expect(() => withRedaction(recorder, undefined, { maxEventChar: 5 } as never)).toThrow(
      /maxEventChar.*maxEventChars/s,
    );
    expect(() =>
      withRedaction(recorder, undefined, { recordedContent: { content: "none", maxLen: 5 } as never }),
    ).toThrow(TypeError);
    expect(() => withRedaction(new DeclaringRecorder({ content: "some" as never }))).toThrow(
      /recordedContent.content must be "none", "truncate" or "full"/,
    );
    expect(() => withRedaction(recorder, undefined, { maxEventChars: 0 })).toThrow(RangeError);
  });
});
