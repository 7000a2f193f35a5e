/** Walkthrough 6 — async streaming: iterate the stream while a handler observes, two streams at once. */
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { exampleModel, heading, runIfMain } from "./setup.js";

class FirstTokenTimer extends BaseCallbackHandler {
  name = "first_token_timer";
  readonly started = new Map<string, number>();
  readonly firstTokenMs = new Map<string, number>();
  override handleChatModelStart(_llm: unknown, _messages: unknown, runId: string) {
    this.started.set(runId, performance.now());
  }
  override handleLLMNewToken(token: string, _idx: unknown, runId: string) {
    const start = this.started.get(runId);
    if (token !== "" && start !== undefined && !this.firstTokenMs.has(runId)) {
      this.firstTokenMs.set(runId, performance.now() - start);
    }
  }
  override handleLLMEnd(_output: unknown, runId: string) {
    this.started.delete(runId);
  }
}

export async function main(): Promise<void> {
  heading("6. Async streaming");
  const { model, close } = await exampleModel((request) => {
    const topic = String(request.body?.messages?.at(-1)?.content ?? "");
    return { content: `Here is a short note about ${topic}.`, chunkDelayMs: 5 };
  });
  try {
    const timer = new FirstTokenTimer();
    const consume = async (topic: string) => {
      let text = "";
      for await (const chunk of await model.stream(topic, { callbacks: [timer] }))
        text += String(chunk.content);
      return `${topic}: ${text}`;
    };
    const results = await Promise.all([consume("rivers"), consume("mountains")]);
    for (const line of results) process.stdout.write(`${line}\n`);
    process.stdout.write(`time to first token measured for ${timer.firstTokenMs.size} streams\n`);
  } finally {
    await close();
  }
}

runIfMain(import.meta.url, main);
