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
const serialized = { lc: 1, type: "not_implemented", id: ["x", "InProcessChatModel"] };
const extra = { invocation_params: { model: "gpt-4o-mini" } };
const meta = { ls_provider: "openai", ls_model_name: "gpt-4o-mini", ls_model_type: "chat" };
const h = new PinoCallbackHandler({ logger: pino({ level: "info" }, sink), content: "none" });
for (let i = 0; i < 2_000_000; i++) {
  h.handleChatModelStart(serialized, [[]], "r" + i, undefined, extra, [], meta);
  h.handleLLMEnd(output, "r" + i);
}
