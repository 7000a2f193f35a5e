import { fakeChatOpenAI } from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { describe, expect, it } from "vitest";
import { StdoutStreamCallbackHandler, type StdoutStreamOptions } from "../src/index.js";
import { CaptureStream, useFakeServer } from "./helpers.js";

const { server } = useFakeServer({
  reasoning: "The user greets me. I should greet back.",
  content: "Hello to you too!",
});

async function run(options: StdoutStreamOptions, stream = new CaptureStream()): Promise<string> {
  const message = await fakeChatOpenAI(server()).invoke("hello", {
    callbacks: [new StdoutStreamCallbackHandler({ stream, ...options })],
  });
  await awaitAllCallbacks();
  expect(message.content).toBe("Hello to you too!");
  return stream.text;
}

describe("reasoning", () => {
  it("is hidden by default: only the answer prints", async () => {
    expect(await run({})).toBe("Hello to you too!\n");
  });

  it("reasoning: true prints it before the answer, on its own line (plain in a pipe)", async () => {
    expect(await run({ reasoning: true })).toBe(
      "The user greets me. I should greet back.\nHello to you too!\n",
    );
  });

  it("reasoning: true is dim on a colour terminal, each piece closed on its own", async () => {
    const text = await run({ reasoning: true, env: {} }, new CaptureStream({ isTTY: true }));
    expect(text).toContain("\u001b[2mThe\u001b[22m");
    expect(text.endsWith("\nHello to you too!\n")).toBe(true);
    expect(text.split("\u001b[2m").length).toBe(text.split("\u001b[22m").length);
  });

  it("reasoning: <writable> sends the plain reasoning there and keeps the answer clean", async () => {
    const thoughts = new CaptureStream();
    expect(await run({ reasoning: thoughts })).toBe("Hello to you too!\n");
    expect(thoughts.text).toBe("The user greets me. I should greet back.\n");
  });

  it("sse: reasoning events come before the token events", async () => {
    const text = await run({ reasoning: true, format: "sse", progress: false });
    const events: string[] = text.match(/^event: .*$/gm) ?? [];
    expect(events[0]).toBe("event: reasoning");
    expect(events.lastIndexOf("event: reasoning")).toBeLessThan(events.indexOf("event: token"));
    const reasoning = [...text.matchAll(/event: reasoning\ndata: (.*)\n/g)]
      .map((m) => JSON.parse(m[1] ?? "{}").text)
      .join("");
    expect(reasoning).toBe("The user greets me. I should greet back.");
  });
});
