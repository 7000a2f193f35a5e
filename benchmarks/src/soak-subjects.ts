import { withRedaction } from "@chainwatch/pii-redact";
import { PinoCallbackHandler } from "@chainwatch/pino-logger";
import { PrometheusCallbackHandler } from "@chainwatch/prometheus-metrics";
import { StdoutStreamCallbackHandler } from "@chainwatch/stdout-stream";
import type { ManualClock } from "@chainwatch/testkit";
import { TokenCostCallbackHandler } from "@chainwatch/token-cost";
import type { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { pino } from "pino";
import { Registry } from "prom-client";
import { discard } from "./discard.js";

/** A handler under soak: what to attach, and how many runs it still holds. */
export interface SoakSubject {
  name: string;
  /** Handlers whose runs `activeRuns` adds up (a wrapper and the handler inside it count twice). @default 1 */
  layers?: number;
  /** Builds the handler(s) with a run tracker on `clock` and a short idle TTL (in clock ms). */
  make: (clock: ManualClock, ttlMs: number) => { callbacks: BaseCallbackHandler[]; activeRuns: () => number };
}

type Counted = BaseCallbackHandler & { readonly activeRunCount: number };

const single = (
  name: string,
  build: (runs: { now: () => number; ttlMs: number; inFlightTtlMs: number }) => Counted,
  layers = 1,
): SoakSubject => ({
  name,
  layers,
  make: (clock, ttlMs) => {
    // inFlightTtlMs as the conformance suite sets it: an abandoned stream whose tokens a handler never sees looks
    // like a call in flight, and the soak's bound on held runs is one TTL.
    const handler = build({ now: clock.now, ttlMs, inFlightTtlMs: ttlMs });
    return { callbacks: [handler], activeRuns: () => handler.activeRunCount };
  },
});

/** Every chainwatch handler, built as a user would, writing to sinks that keep nothing. */
export const SOAK_SUBJECTS: SoakSubject[] = [
  single(
    "@chainwatch/stdout-stream",
    (runs) => new StdoutStreamCallbackHandler({ stream: discard(), errorOutput: false, runs }),
  ),
  single(
    "@chainwatch/pino-logger (debug, content truncate)",
    (runs) => new PinoCallbackHandler({ logger: pino({ level: "debug" }, discard()), runs }),
  ),
  single(
    "@chainwatch/prometheus-metrics",
    (runs) => new PrometheusCallbackHandler({ registry: new Registry(), runs }),
  ),
  single("@chainwatch/token-cost", (runs) => new TokenCostCallbackHandler({ runs })),
  // The wrapper keeps its own hold-back buffers per run on its own tracker: both get the clock, and both count.
  single(
    "@chainwatch/pii-redact withRedaction(stdout-stream)",
    (runs) =>
      withRedaction(
        new StdoutStreamCallbackHandler({ stream: discard(), errorOutput: false, runs }),
        undefined,
        {
          runs,
        },
      ) as unknown as Counted,
    2,
  ),
];
