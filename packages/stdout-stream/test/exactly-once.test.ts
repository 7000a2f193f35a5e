import { fakeChatOpenAI, promptChain } from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { describe, expect, it } from "vitest";
import { StdoutStreamCallbackHandler } from "../src/index.js";
import { CaptureStream, useFakeServer } from "./helpers.js";

const { server } = useFakeServer({ content: "Printed exactly once." });

describe("exactly once", () => {
  it("two instances on the same stream (model constructor + config.callbacks) print one copy", async () => {
    const stream = new CaptureStream();
    const onModel = new StdoutStreamCallbackHandler({ stream });
    const inConfig = new StdoutStreamCallbackHandler({ stream });
    const model = fakeChatOpenAI(server(), { callbacks: [onModel] });
    await model.invoke("once", { callbacks: [inConfig] });
    await promptChain(model).invoke({ question: "once" }, { callbacks: [inConfig] });
    const streamed = await model.stream("once", { callbacks: [inConfig] });
    for await (const _ of streamed);
    await awaitAllCallbacks();
    expect(stream.text).toBe("Printed exactly once.\n".repeat(3));
    expect(onModel.activeRunCount + inConfig.activeRunCount).toBe(0);
  });

  it("the same instance attached at the constructor and in config.callbacks prints one copy", async () => {
    const stream = new CaptureStream();
    const handler = new StdoutStreamCallbackHandler({ stream });
    const model = fakeChatOpenAI(server(), { callbacks: [handler] });
    await model.invoke("once", { callbacks: [handler] });
    await awaitAllCallbacks();
    expect(stream.text).toBe("Printed exactly once.\n");
  });

  it("copies made by LangChain (copy()) share the stream's claims", async () => {
    const stream = new CaptureStream();
    const handler = new StdoutStreamCallbackHandler({ stream });
    const copy = handler.copy();
    await fakeChatOpenAI(server(), { callbacks: [copy] }).invoke("once", { callbacks: [handler] });
    await awaitAllCallbacks();
    expect(stream.text).toBe("Printed exactly once.\n");
  });

  it("instances on different streams each print their copy", async () => {
    const first = new CaptureStream();
    const second = new CaptureStream();
    await fakeChatOpenAI(server(), {
      callbacks: [new StdoutStreamCallbackHandler({ stream: first })],
    }).invoke("twice", { callbacks: [new StdoutStreamCallbackHandler({ stream: second })] });
    await awaitAllCallbacks();
    expect(first.text).toBe("Printed exactly once.\n");
    expect(second.text).toBe("Printed exactly once.\n");
  });

  it("releases a run's claim at its end: 1,000 runs leave nothing held on the stream", async () => {
    const stream = new CaptureStream();
    const a = new StdoutStreamCallbackHandler({ stream });
    const b = new StdoutStreamCallbackHandler({ stream });
    const model = fakeChatOpenAI(server(), { callbacks: [a] });
    for (let batch = 0; batch < 10; batch++) {
      await model.batch(
        Array.from({ length: 100 }, (_, i) => `q${i}`),
        { callbacks: [b], maxConcurrency: 100 },
      );
    }
    await awaitAllCallbacks();
    expect(stream.text).toBe("Printed exactly once.\n".repeat(1000));
    const { channelFor } = await import("../src/channel.js");
    expect(channelFor(stream, 1).claimedCount).toBe(0);
    expect(channelFor(stream, 1).heldCount).toBe(0);
  });
});
