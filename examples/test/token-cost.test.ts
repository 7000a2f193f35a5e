import { captureConsole } from "@chainwatch/testkit";
import { describe, expect, it } from "vitest";
import { main } from "../src/token-cost.js";

async function captureStdout(run: () => Promise<void>): Promise<string> {
  const write = process.stdout.write.bind(process.stdout);
  let output = "";
  process.stdout.write = ((chunk: string | Uint8Array) => {
    output += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof process.stdout.write;
  try {
    await run();
  } finally {
    process.stdout.write = write;
  }
  return output;
}

describe("examples/token-cost", () => {
  it("prints a cost table for a chain and an agent, a scoped cost, and a budget stop", async () => {
    // LangChain may print the budget's refusal as `Error in handler TokenCostCallbackHandler, …` (until the budget
    // refuses without it): captured, and nothing else may be printed.
    const console = captureConsole();
    let output: string;
    try {
      output = await captureStdout(main);
    } finally {
      console.restore();
    }
    for (const line of console.lines) {
      // …and the budget's own process warning, until the throw-mode refusal stops emitting one.
      expect(line).toMatch(
        /^(error: Error in handler TokenCostCallbackHandler, handleLLMStart: BudgetExceededError|warning: \w+: token_cost: total budget)/i,
      );
    }
    // Each call: 1,500 x $0.15 + 500 x $0.075 + 400 x $0.60 per million = $0.0005025.
    expect(output).toContain("agent run: 2 model calls, 4800 tokens, $0.001005");
    expect(output).toMatch(/gpt-4o-mini\s+3\s+6000\s+1500\s+1200\s+0\s+\$0\.001508/);
    expect(output).toContain("answer: You said: Name one prime number.");
    expect(output).toContain("scope: 1 call, $0.000503");
    // $0.002 budget: the fourth call starts at $0.0015075 (< limit) and runs; the fifth is stopped unsent.
    expect(output).toContain("stopped after 4 calls: Total budget of $0.002 reached");
  });
});
