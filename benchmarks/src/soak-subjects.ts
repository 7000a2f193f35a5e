import type { ManualClock } from "@chainwatch/testkit";
import type { BaseCallbackHandler } from "@langchain/core/callbacks/base";

/** A handler under soak: what to attach, and how many runs it still holds. */
export interface SoakSubject {
  name: string;
  /** Builds the handler(s) with a run tracker on `clock` and a short idle TTL (in clock ms). */
  make: (clock: ManualClock, ttlMs: number) => { callbacks: BaseCallbackHandler[]; activeRuns: () => number };
}

/** Filled in as the handler packages land; the soak test also runs a core-based reference handler. */
export const SOAK_SUBJECTS: SoakSubject[] = [];
