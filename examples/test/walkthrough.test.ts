import { describe, expect, it } from "vitest";
import { runExample } from "./run-example.js";

describe("walkthrough examples on the embedded server (no API key)", () => {
  it("1. streams tokens to stdout from a plain invoke()", async () => {
    const { stdout, stderr, code } = await runExample("stream-tokens.ts");
    // On a failure, what the example printed to stderr is the message.
    expect(code, stderr.slice(-2000)).toBe(0);
    expect(stdout).toContain("Streaming means you see each token as soon as it is made.\n");
  });

  it("2. a custom handler sees chain start, end and tokens", async () => {
    const { stdout, stderr, code } = await runExample("custom-handler.ts");
    expect(code, stderr.slice(-2000)).toBe(0);
    expect(stdout).toContain("[chain start] pipeline");
    expect(stdout).toMatch(
      /\[chain end\] 6 tokens, output=\{"output":"Callbacks let you observe every step."\}/,
    );
  });

  it("3. a handler on prompt | llm sees the prompt step and the model", async () => {
    const { stdout, stderr, code } = await runExample("prompt-chain.ts");
    expect(code, stderr.slice(-2000)).toBe(0);
    expect(stdout).toContain("chain start (prompt template)");
    expect(stdout).toContain("model start with 2 messages");
    expect(stdout).toContain("answer: A prompt template fills in your variables.");
  });

  it("4. a RunnableLambda | llm sequence reports every step", async () => {
    const { stdout, stderr, code } = await runExample("runnable-lambda.ts");
    expect(code, stderr.slice(-2000)).toBe(0);
    expect(stdout).toMatch(/▶ RunnableSequence\n {2}▶ shout\n {2}▶ frame\n {2}▶ ChatOpenAI/);
  });

  it("5. constructor vs per-call callbacks: two instances both count, one instance counts once", async () => {
    const { stdout, stderr, code } = await runExample("constructor-vs-config.ts");
    expect(code, stderr.slice(-2000)).toBe(0);
    expect(stdout).toContain(
      "the constructor handler saw 4 tokens and 0 chain starts; the per-call handler saw 4 tokens and 2 chain starts",
    );
    expect(stdout).toContain("the same instance in both places: 4 tokens (called once)");
  });

  it("6. async streaming of two streams at once", async () => {
    const { stdout, stderr, code } = await runExample("async-streaming.ts");
    expect(code, stderr.slice(-2000)).toBe(0);
    expect(stdout).toContain("rivers: Here is a short note about rivers.");
    expect(stdout).toContain("mountains: Here is a short note about mountains.");
    expect(stdout).toContain("time to first token measured for 2 streams");
  });

  it("7. streams tokens to a UI over Server-Sent Events", async () => {
    const { stdout, stderr, code } = await runExample("stream-to-ui.ts");
    expect(code, stderr.slice(-2000)).toBe(0);
    expect(stdout).toContain("browser received 8 token events: Tokens flow to the browser as they arrive.");
    expect(stdout).toContain("stream ended cleanly: true");
  });

  it("the demo runs every section and says which backend it used", async () => {
    const { stdout, stderr, code } = await runExample("demo.ts");
    expect(code, stderr.slice(-2000)).toBe(0);
    expect(stdout).toContain("no OPENAI_API_KEY: using the embedded OpenAI-compatible server on 127.0.0.1");
    for (let section = 1; section <= 13; section++) expect(stdout).toContain(`=== ${section}.`);
    expect(stdout).toContain("demo finished");
  });
});
