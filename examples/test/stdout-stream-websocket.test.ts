import { describe, expect, it } from "vitest";
import { runExample } from "./run-example.js";

describe("example: WebSocket endpoint", () => {
  it("runs with no API key: one JSON message per event, the tool's progress, then the answer's tokens", async () => {
    const { stdout, stderr, code } = await runExample("stdout-stream-websocket.ts");
    expect(stderr).toBe("");
    expect(code, stderr.slice(-2000)).toBe(0);
    const messages = stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { event: string; name?: string; text?: string; runId: string });
    expect(messages[0]?.event).toBe("accepted");
    expect(messages.find((m) => m.event === "tool-start")?.name).toBe("get_weather");
    const text = messages
      .filter((m) => m.event === "token")
      .map((m) => m.text)
      .join("");
    expect(text).toBe(
      "The weather in Oslo is sunny and 21°C. For a daily forecast, write to forecast@example.com any time.",
    );
    expect(messages.at(-1)).toMatchObject({ event: "run-end", runId: messages[0]?.runId });
  });
});
