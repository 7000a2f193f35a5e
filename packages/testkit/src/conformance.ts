import { afterAll, beforeAll, describe, it } from "vitest";
import {
  CONFORMANCE_CHECKS,
  type ConformanceOptions,
  ConformanceSkip,
  type HandlerFactory,
} from "./conformance-checks.js";
import { type FakeOpenAI, startFakeOpenAI } from "./fake-openai.js";

export * from "./conformance-checks.js";

/**
 * Registers the conformance suite for a handler as a vitest `describe` block: one test per check, all against
 * one fake OpenAI server on 127.0.0.1 that the suite starts and closes.
 *
 * @example
 * ```ts
 * import { describeHandlerConformance } from "@chainwatch/testkit/conformance";
 * describeHandlerConformance("my_handler", () => new MyHandler());
 * ```
 */
export function describeHandlerConformance(
  name: string,
  makeHandler: HandlerFactory,
  options: ConformanceOptions = {},
): void {
  describe(`${name}: conformance`, () => {
    let server: FakeOpenAI;
    beforeAll(async () => {
      server = await startFakeOpenAI();
    });
    afterAll(async () => {
      await server.close();
    });
    for (const check of CONFORMANCE_CHECKS) {
      it(check.name, async (context) => {
        try {
          await check.run({ server, makeHandler, options });
        } catch (error) {
          // A check that needs what the handler does not expose is skipped, and says why in the report.
          if (error instanceof ConformanceSkip) context.skip(error.message);
          else throw error;
        }
      }, 30_000);
    }
  });
}
