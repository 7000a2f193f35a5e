/** Walkthrough 2 — a custom handler: chain start and end, and each new token. */

import { safeStringify } from "@chainwatch/core";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { RunnableLambda } from "@langchain/core/runnables";
import type { ChainValues } from "@langchain/core/utils/types";
import { exampleModel, heading, runIfMain } from "./setup.js";

class ChainAndTokenLogger extends BaseCallbackHandler {
  name = "chain_and_token_logger";
  lc_prefer_streaming = true;
  private tokens = 0;

  // LangChain calls (serialized, inputs, runId, parentRunId, tags, metadata, runType, runName) at run time.
  override handleChainStart(
    _chain: unknown,
    inputs: ChainValues,
    _runId: string,
    parentRunId?: string,
    ...rest: unknown[]
  ) {
    const runName = rest[3];
    process.stdout.write(
      `[chain start] ${String(runName ?? "chain")}${parentRunId ? " (nested)" : ""} inputs=${safeStringify(inputs, { maxLength: 60 })}\n`,
    );
  }
  override handleLLMNewToken(token: string) {
    if (token !== "") this.tokens++;
  }
  override handleChainEnd(outputs: ChainValues, _runId: string, parentRunId?: string) {
    if (!parentRunId)
      process.stdout.write(
        `[chain end] ${this.tokens} tokens, output=${safeStringify(outputs, { maxLength: 80 })}\n`,
      );
  }
}

export async function main(): Promise<void> {
  heading("2. A custom handler");
  const { model, close } = await exampleModel({ content: "Callbacks let you observe every step." });
  try {
    const chain = model.withConfig({ runName: "answer" });
    const pipeline = RunnableLambda.from((question: string) => `Answer briefly: ${question}`)
      .withConfig({ runName: "format" })
      .pipe(chain)
      .pipe(
        RunnableLambda.from((message: { content: unknown }) => String(message.content)).withConfig({
          runName: "text",
        }),
      );
    await pipeline.invoke("Why use callbacks?", {
      callbacks: [new ChainAndTokenLogger()],
      runName: "pipeline",
    });
  } finally {
    await close();
  }
}

runIfMain(import.meta.url, main);
