/**
 * Walkthrough 5 — per-invocation (`config.callbacks`) vs global (constructor) callbacks.
 *
 * A handler on the model constructor sees every call of that model, and only the model's own run. A handler in
 * `config.callbacks` sees the whole run it was passed to. Two *instances* attached in both places both receive
 * the tokens (the doubled output the walkthrough shows); the *same* instance in both places is called once.
 */
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { exampleModel, heading, runIfMain } from "./setup.js";

class Counter extends BaseCallbackHandler {
  name: string;
  lc_prefer_streaming = true;
  tokens = 0;
  chains = 0;
  constructor(label: string) {
    super();
    this.name = label;
  }
  override handleLLMNewToken(token: string) {
    if (token !== "") this.tokens++;
  }
  override handleChainStart() {
    this.chains++;
  }
}

export async function main(): Promise<void> {
  heading("5. Per-invocation vs constructor callbacks");
  const onConstructor = new Counter("constructor");
  const { model, close } = await exampleModel(
    { content: "four tokens right here" },
    { callbacks: [onConstructor] },
  );
  try {
    const perCall = new Counter("per_call");
    const chain = ChatPromptTemplate.fromTemplate("Say {n} tokens").pipe(model);
    await chain.invoke({ n: "four" }, { callbacks: [perCall] });
    process.stdout.write(
      `two instances: the constructor handler saw ${onConstructor.tokens} tokens and ${onConstructor.chains} chain starts; ` +
        `the per-call handler saw ${perCall.tokens} tokens and ${perCall.chains} chain starts\n`,
    );
    onConstructor.tokens = 0;
    await model.invoke("again", { callbacks: [onConstructor] });
    process.stdout.write(`the same instance in both places: ${onConstructor.tokens} tokens (called once)\n`);
  } finally {
    await close();
  }
}

runIfMain(import.meta.url, main);
