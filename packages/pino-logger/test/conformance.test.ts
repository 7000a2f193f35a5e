import { strict as assert } from "node:assert";
import { describeHandlerConformance } from "@chainwatch/testkit/conformance";
import { pino } from "pino";
import { PinoCallbackHandler } from "../src/index.js";

const linesOf = new WeakMap<object, string[]>();

describeHandlerConformance(
  "pino_logger",
  (context) => {
    const lines: string[] = [];
    const destination = {
      write(line: string) {
        if (context.failingSink) throw new Error("destination down");
        lines.push(line);
      },
    };
    const handler = new PinoCallbackHandler({
      // trace + full content + every token: the conformance workloads go through every record path.
      logger: pino({ level: "trace" }, destination),
      levels: { token: "trace" },
      content: "full",
      runs: context.runs,
      onHandlerError: context.onHandlerError,
    });
    linesOf.set(handler, lines);
    return handler;
  },
  {
    // Each run's llm.end record carries that run's own answer, under the run id its llm.start had.
    afterConcurrentRuns: (handler, runs) => {
      const records = (linesOf.get(handler) ?? []).map((line) => JSON.parse(line) as Record<string, unknown>);
      for (const run of runs) {
        const start = records.find(
          (record) => record.msg === "llm.start" && JSON.stringify(record.input).includes(`"${run.input}"`),
        );
        assert.ok(start, `no llm.start for ${run.input}`);
        const ends = records.filter((record) => record.msg === "llm.end" && record.run_id === start.run_id);
        assert.equal(ends.length, 1);
        assert.equal(ends[0]?.output, run.output);
      }
    },
  },
);
