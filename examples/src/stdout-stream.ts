/**
 * The walkthrough's first example: a ChatOpenAI answer streamed to the terminal as it is generated.
 *
 *   npx tsx examples/src/stdout-stream.ts            # embedded server, no API key needed
 *   OPENAI_API_KEY=sk-... npx tsx examples/src/stdout-stream.ts
 *   npx tsx examples/src/stdout-stream.ts | head -1  # a closed pipe never crashes the process
 */
import { StdoutStreamCallbackHandler } from "@chainwatch/stdout-stream";
import { exampleModel, runIfMain } from "./setup.js";

const QUESTION = "In two sentences: why stream tokens to the terminal?";

export async function main(): Promise<void> {
  const { model, close } = await exampleModel({
    content:
      "Streaming shows the answer while it is still being written, so a slow model feels fast.\n" +
      "And you can stop reading (or press Ctrl-C) the moment you have what you need.",
    chunkDelayMs: 15,
  });
  try {
    // No `streaming: true` needed: the handler asks LangChain to stream a plain invoke().
    const handler = new StdoutStreamCallbackHandler({ footer: true });
    await model.invoke(QUESTION, { callbacks: [handler] });
    await handler.flush();
  } finally {
    await close();
  }
}

runIfMain(import.meta.url, main);
