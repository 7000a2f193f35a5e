import { describeHandlerConformance } from "@chainwatch/testkit/conformance";
import { TokenCostCallbackHandler } from "../src/index.js";

describeHandlerConformance(
  "TokenCostCallbackHandler",
  (context) =>
    new TokenCostCallbackHandler({
      runs: context.runs,
      onHandlerError: context.onHandlerError,
      onRecord: () => {
        if (context.failingSink) throw new Error("sink down");
      },
    }),
  {
    afterConcurrentRuns: (handler, runs) => {
      const cost = handler as TokenCostCallbackHandler;
      const totals = cost.totals;
      if (totals.calls !== runs.length)
        throw new Error(`expected ${runs.length} records, got ${totals.calls}`);
      if (new Set(cost.records.map((record) => record.runId)).size !== runs.length) {
        throw new Error("records share run ids across concurrent runs");
      }
      if (!(totals.costUsd > 0) || totals.unpricedCalls !== 0)
        throw new Error("concurrent calls were not all priced");
    },
  },
);

describeHandlerConformance(
  "TokenCostCallbackHandler with a blocking budget (raiseError)",
  (context) =>
    new TokenCostCallbackHandler({
      runs: context.runs,
      onHandlerError: context.onHandlerError,
      budget: { totalUsd: 1_000, onExceed: "throw" },
      onRecord: () => {
        if (context.failingSink) throw new Error("sink down");
      },
    }),
);
