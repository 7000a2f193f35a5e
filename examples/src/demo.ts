/**
 * `npm run examples` (in examples/): every example, end to end. (The root `npm run demo` runs the stack demo,
 * src/stack-demo.ts.) With no OPENAI_API_KEY each one starts the testkit's OpenAI-compatible server on 127.0.0.1;
 * with the key set they call the real API.
 */
import { main as asyncStreaming } from "./async-streaming.js";
import { main as constructorVsConfig } from "./constructor-vs-config.js";
import { main as customHandler } from "./custom-handler.js";
import { main as piiRedact } from "./pii-redact.js";
import { main as pinoLogger } from "./pino-logger.js";
import { main as prometheusMetrics } from "./prometheus-metrics.js";
import { main as promptChain } from "./prompt-chain.js";
import { main as runnableLambda } from "./runnable-lambda.js";
import { heading } from "./setup.js";
import { main as stdoutStream } from "./stdout-stream.js";
import { main as stdoutStreamSse } from "./stdout-stream-sse.js";
import { main as streamToUi } from "./stream-to-ui.js";
import { main as streamTokens } from "./stream-tokens.js";
import { main as tokenCost } from "./token-cost.js";

const sections: (() => Promise<void>)[] = [
  streamTokens,
  customHandler,
  promptChain,
  runnableLambda,
  constructorVsConfig,
  asyncStreaming,
  streamToUi,
  titled("8. @chainwatch/stdout-stream: tokens to the terminal, exactly once", stdoutStream),
  titled("9. @chainwatch/stdout-stream: Server-Sent Events to a browser", stdoutStreamSse),
  titled("10. @chainwatch/pino-logger: structured logs of a chain and an agent", pinoLogger),
  titled("11. @chainwatch/prometheus-metrics: GenAI metrics served at /metrics", prometheusMetrics),
  titled("12. @chainwatch/token-cost: cost per call, per run tree, and a budget", tokenCost),
  titled("13. @chainwatch/pii-redact: a support bot whose logs and stream show no personal data", () =>
    piiRedact(),
  ),
];

function titled(title: string, main: () => Promise<void>): () => Promise<void> {
  return async () => {
    heading(title);
    await main();
  };
}

process.stdout.write(
  process.env.OPENAI_API_KEY
    ? "chainwatch demo — using the real OpenAI API (OPENAI_API_KEY is set)\n"
    : "chainwatch demo — no OPENAI_API_KEY: using the embedded OpenAI-compatible server on 127.0.0.1\n",
);
for (const section of sections) await section();
process.stdout.write("\ndemo finished\n");
