import { StdoutStreamCallbackHandler } from "@chainwatch/stdout-stream";
import { discard } from "./discard.js";
import type { Subject } from "./subjects.js";

/** The chainwatch handlers, one subject each, plus all five together. Goals are the ratios to the no-op handler. */
export const CHAINWATCH: Subject[] = [
  {
    name: "@chainwatch/stdout-stream (to a discarding writable)",
    group: "chainwatch",
    goal: 1.3,
    attach: async () => ({
      callbacks: [new StdoutStreamCallbackHandler({ stream: discard(), errorOutput: false })],
    }),
  },
];
