/**
 * Token and USD accounting with @chainwatch/token-cost: a chain and a tool-calling agent priced per call and per
 * model, a scoped `trackCost`, and a budget that stops a runaway loop before its next request leaves.
 *
 * Without OPENAI_API_KEY everything runs against the embedded OpenAI-compatible server, which reports fixed token
 * counts so the figures are reproducible. Run: `npx tsx src/token-cost.ts`.
 */
import { weatherAgent, weatherAgentScript } from "@chainwatch/testkit";
import { BudgetExceededError, formatUsd, TokenCostCallbackHandler, trackCost } from "@chainwatch/token-cost";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { StringOutputParser } from "@langchain/core/output_parsers";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { exampleModel, heading, runIfMain } from "./setup.js";

/** What the embedded server reports for every call: 2,000 prompt tokens (500 of them cached) and 400 completion. */
const USAGE = { promptTokens: 2_000, cachedTokens: 500, completionTokens: 400 };

export async function main(): Promise<void> {
  const agentScript = weatherAgentScript("Lisbon");
  // The agent's requests carry tools: they get the weather agent's script; the rest get the default echo.
  const { model, live, close } = await exampleModel((request) => ({
    ...(request.body?.tools?.length ? agentScript(request) : {}),
    usage: USAGE,
  }));
  try {
    heading("token-cost: a chain and an agent, one handler");
    const cost = new TokenCostCallbackHandler();
    const chain = ChatPromptTemplate.fromMessages([
      ["system", "You answer in one short sentence."],
      ["human", "{question}"],
    ])
      .pipe(model)
      .pipe(new StringOutputParser());
    await chain.invoke({ question: "What does a callback handler do?" }, { callbacks: [cost] });
    const agentRunId = "0190f0a0-0000-7000-8000-00000000beef";
    await weatherAgent(model).invoke(
      { messages: [{ role: "user", content: "What is the weather in Lisbon?" }] },
      { callbacks: [cost], runId: agentRunId },
    );
    await awaitAllCallbacks();
    const agentTrace = cost.forTrace(agentRunId);
    process.stdout.write(
      `agent run: ${agentTrace?.calls} model calls, ${agentTrace?.tokens.totalTokens} tokens, ${formatUsd(agentTrace?.costUsd ?? 0)}\n`,
    );
    process.stdout.write(cost.table());

    heading("token-cost: trackCost, no callbacks passed");
    const { result, cost: scoped } = await trackCost(() =>
      chain.invoke({ question: "Name one prime number." }),
    );
    process.stdout.write(`answer: ${result}\nscope: ${scoped.calls} call, ${formatUsd(scoped.costUsd)}\n`);

    heading("token-cost: a budget stops a runaway loop");
    // A loop with no exit but the budget: each call costs ~$0.0005 on the embedded server.
    const limit = live ? 0.0001 : 0.002;
    let sent = 0;
    try {
      await trackCost(
        async () => {
          for (;;) {
            await model.invoke(`Say a word (call ${sent + 1}).`);
            sent++;
          }
        },
        { budget: { totalUsd: limit }, onHandlerError: () => {} },
      );
    } catch (error) {
      if (!(error instanceof BudgetExceededError)) throw error;
      process.stdout.write(`stopped after ${sent} calls: ${error.message}\n`);
    }
  } finally {
    await close();
  }
}

runIfMain(import.meta.url, main);
