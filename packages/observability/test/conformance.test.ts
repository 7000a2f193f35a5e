import { Writable } from "node:stream";
import { describeHandlerConformance } from "@chainwatch/testkit/conformance";
import { pino } from "pino";
import { Registry } from "prom-client";
import { createObservability } from "../src/index.js";

/** A destination that keeps nothing, or fails every write when the suite asks for a failing sink. */
function sink(failing: boolean) {
  return new Writable({
    write(_chunk, _encoding, done) {
      done(failing ? new Error("sink down") : undefined);
    },
  });
}

// The whole stack as LangChain sees it: one combined handler in front of cost, metrics, the redacted logger and the
// redacted token stream.
describeHandlerConformance("createObservability stack", async (context) => {
  const stack = await createObservability({
    registry: new Registry(),
    logger: pino(
      { level: "debug" },
      {
        write: () => {
          if (context.failingSink) throw new Error("log destination down");
        },
      },
    ),
    stdout: { stream: sink(context.failingSink), errorOutput: sink(context.failingSink) },
    runs: context.runs,
    onHandlerError: context.onHandlerError,
  });
  return stack.callbacks[0];
});
