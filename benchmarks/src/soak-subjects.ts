import { StdoutStreamCallbackHandler } from "@chainwatch/stdout-stream";
import type { ManualClock } from "@chainwatch/testkit";
import type { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { discard } from "./discard.js";

/** A handler under soak: what to attach, and how many runs it still holds. */
export interface SoakSubject {
  name: string;
  /** Builds the handler(s) with a run tracker on `clock` and a short idle TTL (in clock ms). */
  make: (clock: ManualClock, ttlMs: number) => { callbacks: BaseCallbackHandler[]; activeRuns: () => number };
}

/** Every chainwatch handler, built as a user would, writing to sinks that keep nothing. */
export const SOAK_SUBJECTS: SoakSubject[] = [
  {
    name: "@chainwatch/stdout-stream",
    make: (clock, ttlMs) => {
      const handler = new StdoutStreamCallbackHandler({
        stream: discard(),
        errorOutput: false,
        runs: { now: clock.now, ttlMs },
      });
      return { callbacks: [handler], activeRuns: () => handler.activeRunCount };
    },
  },
];
