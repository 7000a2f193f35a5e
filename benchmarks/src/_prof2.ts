import { withRedaction } from "@chainwatch/pii-redact";
import { StdoutStreamCallbackHandler } from "@chainwatch/stdout-stream";
import { discard } from "./discard.js";
import { createWorkloads } from "./workloads.js";

const ws = await createWorkloads();
const w = ws.find((x) => x.name.startsWith(process.argv[2] ?? "prompt"))!;
const inner = new StdoutStreamCallbackHandler({ stream: discard(), errorOutput: false });
const cb = withRedaction(inner, undefined, { recordedContent: { content: "full", inputs: false } });
for (let i = 0; i < 1000; i++) await w.run([cb]);
for (let i = 0; i < 4000; i++) await w.run([cb]);
for (const x of ws) await x.close?.();
