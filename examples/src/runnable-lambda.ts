/** Walkthrough 4 — callbacks through a `RunnableLambda | llm` sequence: the handler sees every step. */
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { RunnableLambda } from "@langchain/core/runnables";
import { exampleModel, heading, runIfMain } from "./setup.js";

class TreePrinter extends BaseCallbackHandler {
  name = "tree_printer";
  private readonly depth = new Map<string, number>();
  private enter(runId: string, parentRunId: string | undefined, label: string) {
    const depth = parentRunId === undefined ? 0 : (this.depth.get(parentRunId) ?? 0) + 1;
    this.depth.set(runId, depth);
    process.stdout.write(`${"  ".repeat(depth)}▶ ${label}\n`);
  }
  private leave(runId: string) {
    this.depth.delete(runId);
  }
  override handleChainStart(
    chain: { id?: string[] },
    _inputs: unknown,
    runId: string,
    parentRunId?: string,
    ...rest: unknown[]
  ) {
    this.enter(runId, parentRunId, String(rest[3] ?? chain.id?.at(-1) ?? "chain"));
  }
  override handleChatModelStart(
    llm: { id?: string[] },
    _messages: unknown,
    runId: string,
    parentRunId?: string,
  ) {
    this.enter(runId, parentRunId, String(llm.id?.at(-1) ?? "model"));
  }
  override handleChainEnd(_outputs: unknown, runId: string) {
    this.leave(runId);
  }
  override handleLLMEnd(_output: unknown, runId: string) {
    this.leave(runId);
  }
}

export async function main(): Promise<void> {
  heading("4. Callbacks through a RunnableLambda | llm sequence");
  const { model, close } = await exampleModel({
    content: "Every step of the sequence reports to the handler.",
  });
  try {
    const shout = RunnableLambda.from((text: string) => text.toUpperCase()).withConfig({ runName: "shout" });
    const askModel = RunnableLambda.from((text: string) => `Reply to: ${text}`).withConfig({
      runName: "frame",
    });
    const result = await shout
      .pipe(askModel)
      .pipe(model)
      .invoke("which steps run?", { callbacks: [new TreePrinter()] });
    process.stdout.write(`result: ${String(result.content)}\n`);
  } finally {
    await close();
  }
}

runIfMain(import.meta.url, main);
