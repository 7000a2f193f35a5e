import { describe, expect, it } from "vitest";

describe("the test network guard", () => {
  it("refuses connections off loopback at once", async () => {
    await expect(fetch("http://203.0.113.7:81/")).rejects.toThrow();
    const failure: unknown = await fetch("http://203.0.113.7:81/").then(
      () => undefined,
      (error: Error) => error.cause,
    );
    expect(String((failure as Error | undefined)?.message)).toContain("tests may only connect to loopback");
  });
});
