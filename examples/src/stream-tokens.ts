/**
 * Walkthrough 1 — streaming tokens to stdout from ChatOpenAI.
 *
 * The classic recipe is `new ChatOpenAI({ streaming: true, callbacks })` plus `invoke()`. On LangChain.js 1.x that
 * path estimates usage with a tokenizer it downloads at run time (minutes offline). A handler that sets
 * `lc_prefer_streaming` gets the same token-by-token callbacks from a plain `invoke()`, with exact usage.
 */
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { exampleModel, heading, runIfMain } from "./setup.js";

class PrintTokens extends BaseCallbackHandler {
  name = "print_tokens";
  lc_prefer_streaming = true;
  override handleLLMNewToken(token: string) {
    process.stdout.write(token);
  }
  override handleLLMEnd() {
    process.stdout.write("\n");
  }
}

export async function main(): Promise<void> {
  heading("1. Streaming tokens to stdout");
  const { model, close } = await exampleModel({
    content: "Streaming means you see each token as soon as it is made.",
  });
  try {
    await model.invoke("What does streaming mean?", { callbacks: [new PrintTokens()] });
  } finally {
    await close();
  }
}

runIfMain(import.meta.url, main);
