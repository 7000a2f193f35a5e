import { extractUsage, finishReason, responseModel, toolCallsFromOutput } from "@chainwatch/core";
import { AIMessage } from "@langchain/core/messages";
import { pino } from "pino";
import { PinoCallbackHandler } from "../src/index.js";

const output = {
  generations: [
    [
      {
        text: "tok tok",
        message: new AIMessage({
          content: "tok tok",
          usage_metadata: { input_tokens: 4, output_tokens: 10, total_tokens: 14 },
          response_metadata: { model_name: "gpt-4o-mini", finish_reason: "stop" },
        }),
      },
    ],
  ],
};
const sink = { write(_s: string) {} };
function time(name: string, fn: (i: number) => void, n = 300_000) {
  for (let i = 0; i < 20000; i++) fn(i);
  const t = performance.now();
  for (let i = 0; i < n; i++) fn(i);
  console.log(name.padEnd(40), (((performance.now() - t) / n) * 1000).toFixed(3), "µs");
}
const serialized = { lc: 1, type: "not_implemented", id: ["x", "InProcessChatModel"] };
const extra = { invocation_params: { model: "gpt-4o-mini" } };
const meta = { ls_provider: "openai", ls_model_name: "gpt-4o-mini", ls_model_type: "chat" };
const mk = (level: string) => new PinoCallbackHandler({ logger: pino({ level }, sink), content: "none" });
const hWarn = mk("warn");
const hInfo = mk("info");
time("start+end disabled", (i) => {
  hWarn.handleChatModelStart(serialized, [[]], "r" + i, undefined, extra, [], meta);
  hWarn.handleLLMEnd(output, "r" + i);
});
time("start+end info", (i) => {
  hInfo.handleChatModelStart(serialized, [[]], "r" + i, undefined, extra, [], meta);
  hInfo.handleLLMEnd(output, "r" + i);
});
time("extract fns", () => {
  responseModel(output);
  extractUsage(output);
  finishReason(output);
  toolCallsFromOutput(output);
});
const l = pino({ level: "info" }, sink);
const rec = {
  run_id: "01a20da2-7a61-714d-941e-4e1faa94d0a4",
  root_run_id: "01a20da2-7a61-714d-941e-4e1faa94d0a4",
  depth: 0,
  run_type: "llm",
  run_name: "InProcessChatModel",
  tags: [],
  provider: "openai",
  model: "gpt-4o-mini",
  duration_ms: 0.011,
  tokens_per_second: 2000.5,
  streamed: false,
  usage: { input: 4, output: 10, total: 14 },
  finish_reason: "stop",
};
time("pino.info our record", () => l.info(rec, "llm.end"));
const c = l.child({}, { serializers: { err: (e: unknown) => e } });
time("child.info our record", () => c.info(rec, "llm.end"));
const flat = { ...rec, tags: undefined, usage: undefined, usage_input: 4, usage_output: 10, usage_total: 14 };
time("pino.info flat record", () => l.info(flat, "llm.end"));
time("JSON.stringify record", () => JSON.stringify(rec));
