import {
  type FakeOpenAI,
  fakeChatOpenAI,
  promptChain,
  startFakeOpenAI,
  weatherAgent,
  weatherAgentScript,
} from "@chainwatch/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tracing } from "./helpers.js";

describe("content (opt-in)", () => {
  let server: FakeOpenAI;
  beforeAll(async () => {
    server = await startFakeOpenAI();
  });
  afterAll(async () => {
    await server.close();
  });

  it("writes input, output and system instructions in the conventions' JSON shape with content: true", async () => {
    const t = tracing({ content: true });
    server.setScript({ content: "Owls are birds." });
    await promptChain(fakeChatOpenAI(server)).invoke(
      { question: "What are owls?" },
      { callbacks: [t.handler] },
    );
    const span = t.span("chat gpt-4o-mini");
    expect(JSON.parse(String(span.attributes["gen_ai.input.messages"]))).toEqual([
      { role: "user", parts: [{ type: "text", content: "What are owls?" }] },
    ]);
    expect(JSON.parse(String(span.attributes["gen_ai.system_instructions"]))).toEqual([
      { type: "text", content: "You answer in one short sentence." },
    ]);
    expect(JSON.parse(String(span.attributes["gen_ai.output.messages"]))).toEqual([
      { role: "assistant", parts: [{ type: "text", content: "Owls are birds." }], finish_reason: "stop" },
    ]);
  });

  it("writes no content by default, in model, tool and retrieval spans alike", async () => {
    const t = tracing();
    server.setScript(weatherAgentScript());
    await weatherAgent(fakeChatOpenAI(server)).invoke(
      { messages: [{ role: "user", content: "weather in Paris?" }] },
      { callbacks: [t.handler] },
    );
    const text = JSON.stringify(t.spans().map((span) => span.attributes));
    expect(text).not.toContain("Paris");
    expect(text).not.toContain("21°C");
    expect(t.spans().length).toBeGreaterThan(3);
  });

  it("records tool arguments and results with content: true", async () => {
    const t = tracing({ content: true });
    server.setScript(weatherAgentScript("Oslo"));
    await weatherAgent(fakeChatOpenAI(server)).invoke(
      { messages: [{ role: "user", content: "weather in Oslo?" }] },
      { callbacks: [t.handler] },
    );
    const tool = t.span("execute_tool get_weather");
    expect(JSON.parse(String(tool.attributes["gen_ai.tool.call.arguments"]))).toEqual({ city: "Oslo" });
    expect(tool.attributes["gen_ai.tool.call.result"]).toBe("It is 21°C and sunny in Oslo.");
    const second = t.spans().filter((span) => span.name === "chat gpt-4o-mini")[1];
    const input = JSON.parse(String(second?.attributes["gen_ai.input.messages"])) as { role: string }[];
    expect(input.map((message) => message.role)).toEqual(["user", "assistant", "tool"]);
  });

  it("cuts content longer than maxContentLength", async () => {
    const t = tracing({ content: true, maxContentLength: 100 });
    server.setScript({ content: "x".repeat(500) });
    await fakeChatOpenAI(server).invoke("y".repeat(500), { callbacks: [t.handler] });
    const span = t.span("chat gpt-4o-mini");
    const output = String(span.attributes["gen_ai.output.messages"]);
    expect(output.length).toBeLessThan(130);
    expect(output).toMatch(/…\[\+\d+ chars\]$/);
    expect(String(span.attributes["gen_ai.input.messages"]).length).toBeLessThan(130);
  });
});
