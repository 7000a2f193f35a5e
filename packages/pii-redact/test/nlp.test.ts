import nlp from "compromise";
import { describe, expect, it } from "vitest";
import { createRedactor, nlpDetectors } from "../src/index.js";

describe("nlpDetectors (compromise)", () => {
  it("finds names and places the heuristics miss, without trailing punctuation", () => {
    const redactor = createRedactor({ detectors: nlpDetectors(nlp) });
    expect(redactor.redactText("Hi Mateo, your refund is on the way.")).toBe(
      "Hi [PERSON], your refund is on the way.",
    );
    expect(redactor.redactText("I moved from Lyon to Rotterdam last year")).toBe(
      "I moved from [LOCATION] to [LOCATION] last year",
    );
  });

  it("combines with the built-in detectors and can be limited to one type", () => {
    const redactor = createRedactor({ detectors: nlpDetectors(nlp, ["PERSON"]) });
    expect(redactor.redactText("Jonas Becker (jonas@example.com) lives in Lyon")).toBe(
      "[PERSON] ([EMAIL]) lives in Lyon",
    );
    expect(() => nlpDetectors("nlp" as never)).toThrow(/compromise/);
  });
});
