import { fakeChatOpenAI } from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { describe, expect, it } from "vitest";
import { StdoutStreamCallbackHandler } from "../src/index.js";
import { CaptureStream, useFakeServer } from "./helpers.js";

const { server } = useFakeServer();

async function errorOf(
  promise: Promise<unknown>,
): Promise<{ name: string; message: string; status: unknown }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; message: string; status?: unknown };
    return { name: e.name, message: e.message, status: e.status };
  }
  throw new Error("expected the run to fail");
}

describe("LLM errors", () => {
  it("a stream cut mid-answer: a newline after the partial text, a short message on errorOutput", async () => {
    server().setScript({ content: "one two three four five", dropAfterChunks: 3, chunkDelayMs: 5 });
    const stream = new CaptureStream();
    const errors = new CaptureStream();
    const failure = await errorOf(
      fakeChatOpenAI(server()).invoke("cut", {
        callbacks: [new StdoutStreamCallbackHandler({ stream, errorOutput: errors })],
      }),
    );
    await awaitAllCallbacks();
    // The partial answer (the cut comes after a role chunk and a few words), closed with a newline.
    expect(stream.text).toMatch(/^one( two)?( three)?\n$/);
    expect(errors.text).toMatch(/^✗ ChatOpenAI failed: .+\n$/);
    expect(errors.text).toContain(failure.message.split("\n")[0]?.slice(0, 20));
  });

  it("the run's own error is untouched", async () => {
    server().setScript({ status: 500, error: { message: "scripted failure" } });
    const baseline = await errorOf(fakeChatOpenAI(server()).invoke("fail"));
    const stream = new CaptureStream();
    const errors = new CaptureStream();
    const observed = await errorOf(
      fakeChatOpenAI(server()).invoke("fail", {
        callbacks: [new StdoutStreamCallbackHandler({ stream, errorOutput: errors })],
      }),
    );
    await awaitAllCallbacks();
    expect(observed).toEqual(baseline);
    expect(stream.text).toBe("");
    expect(errors.text).toBe("✗ ChatOpenAI failed: 500 scripted failure\n");
  });

  it("errorOutput: false writes no message; sse gets an error event", async () => {
    server().setScript({ status: 500, error: { message: "scripted failure" } });
    const stream = new CaptureStream();
    await errorOf(
      fakeChatOpenAI(server()).invoke("fail", {
        callbacks: [
          new StdoutStreamCallbackHandler({ stream, format: "sse", errorOutput: false, progress: false }),
        ],
      }),
    );
    await awaitAllCallbacks();
    expect(stream.text).toMatch(
      /^event: error\ndata: \{"runId":"[0-9a-f-]{36}","message":"500 scripted failure"\}\n\n$/,
    );
  });

  it("the error message is red on a colour terminal", async () => {
    server().setScript({ status: 500, error: { message: "scripted failure" } });
    const errors = new CaptureStream({ isTTY: true });
    await errorOf(
      fakeChatOpenAI(server()).invoke("fail", {
        callbacks: [
          new StdoutStreamCallbackHandler({ stream: new CaptureStream(), errorOutput: errors, env: {} }),
        ],
      }),
    );
    await awaitAllCallbacks();
    expect(errors.text).toBe("\u001b[31m✗ ChatOpenAI failed: 500 scripted failure\u001b[39m\n");
  });
});
