import { type FakeOpenAI, fakeChatOpenAI, startFakeOpenAI } from "@chainwatch/testkit";
import { HumanMessage } from "@langchain/core/messages";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedactor, piiRedactionStep } from "../src/index.js";
import { leakedValues, PII_PROMPT } from "./fixtures.js";

describe("piiRedactionStep", () => {
  let server: FakeOpenAI;
  beforeAll(async () => {
    server = await startFakeOpenAI();
  });
  afterAll(() => server.close());

  function sentText(): string {
    return JSON.stringify(server.requests.at(-1)?.body?.messages);
  }

  it("redacts a prompt template's output before the model: the provider never receives the values", async () => {
    const prompt = ChatPromptTemplate.fromMessages([
      ["system", "You are a support bot."],
      ["human", "{question}"],
    ]);
    const chain = prompt.pipe(piiRedactionStep()).pipe(fakeChatOpenAI(server));
    const reply = await chain.invoke({ question: PII_PROMPT });
    expect(leakedValues(sentText())).toEqual([]);
    expect(sentText()).toContain("[EMAIL]");
    expect(String(reply.content)).toContain("[CREDIT_CARD]");
  });

  it("accepts strings and message arrays (content parts included) and keeps their kind", async () => {
    const step = piiRedactionStep(createRedactor({ strategies: { CREDIT_CARD: "mask" } }));
    expect(await step.invoke("card 4111 1111 1111 1111")).toBe("card **** **** **** 1111");
    const messages = (await step.invoke([
      new HumanMessage({ content: [{ type: "text", text: "mail a.b@example.com" }] }),
    ])) as HumanMessage[];
    expect(messages[0]).toBeInstanceOf(HumanMessage);
    expect(messages[0]?.content).toEqual([{ type: "text", text: "mail [EMAIL]" }]);
    await step.pipe(fakeChatOpenAI(server)).invoke([new HumanMessage(PII_PROMPT)]);
    expect(leakedValues(sentText())).toEqual([]);
  });
});
