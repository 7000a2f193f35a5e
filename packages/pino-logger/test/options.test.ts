import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { PinoCallbackHandler, type PinoCallbackHandlerOptions } from "../src/index.js";

describe("options are validated at construction, naming the bad value", () => {
  const logger = pino({ level: "silent" });
  const cases: [PinoCallbackHandlerOptions, RegExp][] = [
    [{ logger, content: "some" as never }, /content must be one of none, truncate, full, got "some"/],
    [{ logger, maxLength: 0 }, /maxLength must be a positive integer, got 0/],
    [{ logger, maxLength: 1.5 }, /maxLength must be a positive integer, got 1.5/],
    [{ logger, sample: 2 }, /sample must be a number from 0 to 1, got 2/],
    [{ logger, sample: Number.NaN }, /sample must be a number from 0 to 1, got NaN/],
    [
      { logger, levels: { end: "loud" as never } },
      /levels.end must be a level of the logger or false, got "loud"/,
    ],
    [
      { logger, levels: { end: "silent" as never } },
      /levels.end must be a level of the logger or false, got "silent"/,
    ],
    [
      { logger, levels: { finish: "info" } as never },
      /unknown option "levels.finish".* Known options of "levels": start, end, error/,
    ],
    [{ logger, mask: "redact" as never }, /mask must be a function, got "redact"/],
    [{ logger, metadataKeys: "tenant" as never }, /metadataKeys must be an array of strings, got "tenant"/],
    [{ logger, filter: { runTypes: "llm" as never } }, /filter.runTypes must be an array, got "llm"/],
    [{ logger: console as never }, /logger must be a pino logger/],
  ];
  for (const [options, message] of cases) {
    it(message.source, () => {
      expect(() => new PinoCallbackHandler(options)).toThrow(message);
    });
  }

  it("accepts a custom level of the user's logger", () => {
    const custom = pino({ level: "silent", customLevels: { audit: 35 } });
    expect(() => new PinoCallbackHandler({ logger: custom, levels: { end: "audit" } })).not.toThrow();
  });

  it("has a stable name, defaults to a new pino logger, and copy() builds a twin", () => {
    const handler = new PinoCallbackHandler();
    expect(handler.name).toBe("pino_logger");
    const twin = handler.copy();
    expect(twin).toBeInstanceOf(PinoCallbackHandler);
    expect(twin).not.toBe(handler);
  });
});
