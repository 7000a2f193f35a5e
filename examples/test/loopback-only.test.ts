import { describe, expect, it } from "vitest";

describe("the test network guard", () => {
  it("refuses connections off loopback at once", async () => {
    await expect(fetch("http://203.0.113.7:81/")).rejects.toThrow();
    const cause = await fetch("http://203.0.113.7:81/").catch((error: Error) => error.cause as Error);
    expect(String(cause?.message)).toContain("tests may only connect to loopback");
  });
});
