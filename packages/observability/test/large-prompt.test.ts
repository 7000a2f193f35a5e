import { cutMarker } from "@chainwatch/pii-redact";
import { type FakeOpenAI, fakeChatOpenAI, startFakeOpenAI } from "@chainwatch/testkit";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createObservability } from "../src/index.js";
import { denseProsePrompt, RAW_PII } from "./dense-prompt.js";
import { captureStream } from "./helpers.js";

let server: FakeOpenAI;
beforeAll(async () => {
  server = await startFakeOpenAI();
});
afterAll(async () => {
  await server.close();
});

describe("a 10 MB prompt dense with personal data through the recommended stack", () => {
  // The event-loop stall this causes is measured by bench/stall.bench.ts, not asserted here.
  it("the call succeeds, and neither the log (prompt logged at debug) nor stdout shows a raw value", async () => {
    const prompt = denseProsePrompt(10 * 1024 * 1024);
    server.setScript({
      content: "Refund sent to ana.silva@example.org, card 4111 1111 1111 1111.",
      usage: { promptTokens: 2_500_000, completionTokens: 14 },
    });
    const lines: string[] = [];
    const logger = pino({ level: "debug" }, { write: (line: string) => void lines.push(line) });
    const out = captureStream();
    const stack = await createObservability({
      registry: new Registry(),
      logger,
      stdout: { stream: out.stream },
    });
    const reply = await fakeChatOpenAI(server).invoke(prompt, { callbacks: stack.callbacks });
    await stack.close();

    expect(reply.content).toContain("ana.silva@example.org");
    const logged = lines.join("");
    const start = lines.find((line) => line.includes('"llm.start"'));
    expect(start).toBeDefined();
    // The prompt was logged: cut to the logger's length before it was redacted, with its values replaced.
    expect(start).toContain("[EMAIL]");
    expect(start).toContain("[CREDIT_CARD]");
    expect(start).toContain(cutMarker(0).split(" ")[0]);
    expect(start?.length).toBeLessThan(20_000);
    for (const pattern of [...RAW_PII, /ana\.silva@example\.org/, /4111 1111 1111 1111/]) {
      expect(logged).not.toMatch(pattern);
      expect(out.text()).not.toMatch(pattern);
    }
    expect(out.text()).toContain("Refund sent to [EMAIL]");
    expect(stack.handlers.cost.totals.tokens.totalTokens).toBe(2_500_014);
  }, 120_000);
});
