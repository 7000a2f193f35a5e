import { fakeChatOpenAI, promptChain, startFakeOpenAI } from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { pino } from "pino";
import { expect, it } from "vitest";
import { PinoCallbackHandler } from "../src/index.js";

it("a failing destination never throws into the run and is reported once per callback", async () => {
  const server = await startFakeOpenAI();
  try {
    const reports: string[] = [];
    const logger = pino(
      { level: "debug" },
      {
        write() {
          throw new Error("disk full");
        },
      },
    );
    const handler = new PinoCallbackHandler({
      logger,
      onHandlerError: (error, context) => reports.push(`${context.method}: ${(error as Error).message}`),
    });
    const chain = promptChain(fakeChatOpenAI(server));
    for (let index = 0; index < 3; index++) {
      await expect(chain.invoke({ question: "still works" }, { callbacks: [handler] })).resolves.toBe(
        "You said: still works",
      );
    }
    await awaitAllCallbacks();
    expect(reports.sort()).toEqual([
      "handleChainEnd: disk full",
      "handleChainStart: disk full",
      "handleChatModelStart: disk full",
      "handleLLMEnd: disk full",
    ]);
    expect(handler.handlerErrorCount).toBe(24);
    expect(handler.activeRunCount).toBe(0);
  } finally {
    await server.close();
  }
});
