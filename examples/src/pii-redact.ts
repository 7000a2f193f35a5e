/**
 * A support bot whose logs and streamed output never show a customer's personal data.
 *
 * - `withRedaction(handler)` wraps the two observers (a JSON-lines logger and a token printer): both see
 *   `[EMAIL]`, `[CREDIT_CARD]`, … in prompts, replies and streamed tokens, while the customer still gets the real
 *   answer.
 * - `PiiGuardCallbackHandler` in block mode stops a call whose prompt carries a card number before the request
 *   is sent.
 * - `piiRedactionStep()` redacts the prompt itself, for a provider that must not receive personal data at all.
 *
 * Run: `npx tsx src/pii-redact.ts` (embedded OpenAI-compatible server; set OPENAI_API_KEY for the real API).
 */
import {
  createRedactor,
  PiiDetectedError,
  PiiGuardCallbackHandler,
  piiRedactionStep,
  withRedaction,
} from "@chainwatch/pii-redact";
import { lastUserMessage } from "@chainwatch/testkit";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import type { BaseMessage } from "@langchain/core/messages";
import type { LLMResult } from "@langchain/core/outputs";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { exampleModel, heading, runIfMain } from "./setup.js";

/** Logs each model call as one JSON line: what a log pipeline would keep. */
class JsonLinesLogger extends BaseCallbackHandler {
  name = "json_lines_logger";
  constructor(private readonly write: (line: string) => void) {
    super();
  }
  override handleChatModelStart(_llm: unknown, messages: BaseMessage[][], runId: string) {
    const prompt = messages.flat().map((message) => `${message.type}: ${String(message.content)}`);
    this.write(`${JSON.stringify({ event: "model_start", runId: runId.slice(-6), prompt })}\n`);
  }
  override handleLLMEnd(output: LLMResult, runId: string) {
    const reply = output.generations[0]?.[0]?.text;
    this.write(`${JSON.stringify({ event: "model_end", runId: runId.slice(-6), reply })}\n`);
  }
}

/** Prints streamed tokens as they arrive, like a terminal UI would. */
class TokenPrinter extends BaseCallbackHandler {
  name = "token_printer";
  constructor(private readonly write: (text: string) => void) {
    super();
  }
  override handleLLMNewToken(token: string) {
    this.write(token);
  }
  override handleLLMEnd() {
    this.write("\n");
  }
}

const CUSTOMER =
  "Hi, I'm writing from maria.gonzalez@example.org. My card 4111 1111 1111 1111 was charged twice; please refund to DE89 3704 0044 0532 0130 00 or call +44 20 7946 0958.";

/** Runs the three parts of the example, writing to `write` (stdout by default). */
export async function main(
  write: (text: string) => void = (text) => process.stdout.write(text),
): Promise<void> {
  // The embedded server answers with the customer's details, as a real model might; when the prompt was redacted
  // first it can only echo placeholders.
  const { model, close } = await exampleModel((request) =>
    lastUserMessage(request).includes("[EMAIL]")
      ? { content: `Thanks, I see: ${lastUserMessage(request)}` }
      : {
          content:
            "Sorry about that, Maria. I have refunded the duplicate charge on card 4111 1111 1111 1111 to DE89 3704 0044 0532 0130 00; a confirmation goes to maria.gonzalez@example.org.",
        },
  );
  try {
    const prompt = ChatPromptTemplate.fromMessages([
      ["system", "You are a friendly support agent. Answer in one or two sentences."],
      ["human", "{message}"],
    ]);
    const redactor = createRedactor({ strategies: { CREDIT_CARD: "mask" } });
    // The log lines go to their own sink (as a log pipeline's would), not into the middle of the streamed sentence:
    // the two wrappers release text at different moments (the token printer's holds back a possible partial
    // match until the next token or the end).
    const logLines: string[] = [];
    const callbacks = [
      withRedaction(new JsonLinesLogger((line) => logLines.push(line)), redactor),
      withRedaction(new TokenPrinter((text) => write(text)), redactor),
    ];

    heading("Logs and streamed tokens, redacted (the customer gets the real reply)", write);
    write("streamed: ");
    let reply = "";
    for await (const chunk of await prompt.pipe(model).stream({ message: CUSTOMER }, { callbacks })) {
      reply += String(chunk.content);
    }
    await awaitAllCallbacks();
    write(`logged:\n${logLines.map((line) => `  ${line}`).join("")}`);
    write(`(reply delivered to the customer: ${reply.length} characters, unredacted)\n`);

    heading("PII guard: a prompt with a card number is blocked before it is sent", write);
    const guard = new PiiGuardCallbackHandler({ mode: "block", types: ["CREDIT_CARD", "US_SSN"] });
    try {
      await model.invoke(CUSTOMER, { callbacks: [guard] });
    } catch (error) {
      if (!(error instanceof PiiDetectedError)) throw error;
      write(`${error.name}: ${error.message}\n`);
    }

    heading("Redaction step: the provider only ever sees placeholders", write);
    const safe = prompt.pipe(piiRedactionStep()).pipe(model);
    const answer = await safe.invoke({ message: CUSTOMER });
    write(`model saw and answered: ${String(answer.content).slice(0, 160)}\n`);
  } finally {
    await close();
  }
}

runIfMain(import.meta.url, main);
