/** Walkthrough 3 — a handler on a `prompt | llm` chain. */
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { exampleModel, heading, runIfMain } from "./setup.js";

class StepPrinter extends BaseCallbackHandler {
  name = "step_printer";
  override handleChainStart(
    _chain: unknown,
    _inputs: unknown,
    _runId: string,
    _parent?: string,
    tags?: string[],
    _m?: unknown,
    runType?: unknown,
  ) {
    process.stdout.write(
      `chain start ${runType === "prompt" ? "(prompt template)" : ""} tags=${JSON.stringify(tags ?? [])}\n`,
    );
  }
  override handleChatModelStart(_llm: unknown, messages: unknown[][]) {
    process.stdout.write(`model start with ${messages[0]?.length ?? 0} messages\n`);
  }
  override handleLLMEnd() {
    process.stdout.write("model end\n");
  }
  override handleChainEnd(_outputs: unknown, _runId: string, parentRunId?: string) {
    process.stdout.write(parentRunId ? "step end\n" : "chain end\n");
  }
}

export async function main(): Promise<void> {
  heading("3. A handler on a prompt | llm chain");
  const { model, close } = await exampleModel({ content: "A prompt template fills in your variables." });
  try {
    const prompt = ChatPromptTemplate.fromMessages([
      ["system", "You are concise."],
      ["human", "Explain {topic} in one sentence."],
    ]);
    const answer = await prompt
      .pipe(model)
      .invoke({ topic: "prompt templates" }, { callbacks: [new StepPrinter()] });
    process.stdout.write(`answer: ${String(answer.content)}\n`);
  } finally {
    await close();
  }
}

runIfMain(import.meta.url, main);
