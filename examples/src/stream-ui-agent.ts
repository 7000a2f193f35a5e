/**
 * What the two streaming-page examples (SSE and WebSocket) share: a one-tool weather agent, the embedded server's
 * script for it (the first turn calls `get_weather`, the second answers, at a pace a person can watch), and the
 * handler each run gets, behind `withRedaction` when the page asks for it.
 */
import { createRedactor, withRedaction } from "@chainwatch/pii-redact";
import { StdoutStreamCallbackHandler, type StdoutStreamOptions } from "@chainwatch/stdout-stream";
import {
  type FakeReply,
  hasToolResult,
  lastUserMessage,
  type RecordedRequest,
  weatherAgent,
} from "@chainwatch/testkit";
import type { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";

/** The city a question asks about: its last capitalised word (the embedded server's agent is simple). */
export function cityOf(question: string): string {
  const words = question.match(/\b[A-Z][a-zà-ÿ]+/g);
  return words?.at(-1) ?? "Paris";
}

/** The answer the embedded server streams for a city (with an e-mail address, for the redaction demo). */
export function answerFor(city: string): string {
  return `The weather in ${city} is sunny and 21°C. For a daily forecast, write to forecast@example.com any time.`;
}

/** The embedded server's script: a tool call first, then the answer, one word every `chunkDelayMs`. */
export function weatherScript(chunkDelayMs: number): (request: RecordedRequest) => FakeReply {
  return (request) => {
    const city = cityOf(lastUserMessage(request));
    if (!hasToolResult(request))
      return { toolCalls: [{ name: "get_weather", args: { city } }], delayMs: 150 };
    return { content: answerFor(city), chunkDelayMs };
  };
}

/** The agent a page talks to. */
export function pageAgent(model: BaseChatModel): ReturnType<typeof weatherAgent> {
  return weatherAgent(model);
}

/** One run's handler on a response or socket, and the callback to give LangChain (redacting or not). */
export function pageHandler(
  options: StdoutStreamOptions,
  redact: boolean,
): { handler: StdoutStreamCallbackHandler; callback: BaseCallbackHandler } {
  const handler = new StdoutStreamCallbackHandler({ errorOutput: false, ...options });
  return { handler, callback: redact ? withRedaction(handler, createRedactor()) : handler };
}
