import { captureConsole } from "@chainwatch/testkit";
import { describe, expect, it } from "vitest";
import { main } from "../src/pii-redact.js";

describe("example: pii-redact support bot", () => {
  it("logs and streams only redacted values, blocks the card prompt, and redacts before the model", async () => {
    let output = "";
    // LangChain may print the guard's refusal as `Error in handler PiiGuardCallbackHandler, …` (until the guard
    // refuses without it): captured here, and nothing else may be printed.
    const console = captureConsole();
    try {
      await main((text) => {
        output += text;
      });
    } finally {
      console.restore();
    }
    for (const line of console.lines)
      expect(line).toMatch(/^error: Error in handler PiiGuardCallbackHandler/);
    for (const raw of [
      "maria.gonzalez@example.org",
      "4111 1111 1111 1111",
      "DE89 3704 0044 0532 0130 00",
      "+44 20 7946 0958",
    ]) {
      expect(output).not.toContain(raw);
    }
    expect(output).toContain('"event":"model_start"');
    // The streamed sentence is whole: no log line lands in the middle of it.
    expect(output).toMatch(
      /\n=== Logs and streamed tokens, redacted \(the customer gets the real reply\) ===\nstreamed: Sorry about that, Maria\. I have refunded [^\n{]+ a confirmation goes to \[EMAIL\]\.\nlogged:\n {2}\{"event":"model_start"/,
    );
    expect(output).toContain("[EMAIL]");
    expect(output).toContain("**** **** **** 1111");
    expect(output).toContain("PiiDetectedError: Personal data in the prompt (CREDIT_CARD ×1)");
    expect(output).toMatch(/model saw and answered: .*\[EMAIL\]/);
  });
});
