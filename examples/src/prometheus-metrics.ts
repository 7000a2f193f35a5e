/**
 * Prometheus metrics for LangChain calls: the handler on prom-client's registry, served at /metrics.
 *
 *   npx tsx src/prometheus-metrics.ts            (embedded OpenAI-compatible server, no API key needed)
 *   METRICS_PORT=9464 KEEP_SERVING=1 npx tsx src/prometheus-metrics.ts   (then scrape http://127.0.0.1:9464/metrics)
 */
import { PrometheusCallbackHandler, startMetricsServer } from "@chainwatch/prometheus-metrics";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { Registry } from "prom-client";
import { exampleModel, runIfMain } from "./setup.js";

export async function main(): Promise<void> {
  // A registry of our own keeps the example self-contained; omit `registry` to use prom-client's global one.
  const registry = new Registry();
  const metrics = new PrometheusCallbackHandler({ registry, labels: { service: "example" } });
  const server = await startMetricsServer({ port: Number(process.env.METRICS_PORT ?? 0), registry });
  const { model, close } = await exampleModel({
    content: "Metrics are numbers with labels.",
    chunkDelayMs: 2,
  });
  try {
    await model.invoke("What are metrics?", { callbacks: [metrics] });
    for await (const _ of await model.stream("And streamed?", { callbacks: [metrics] }));
    await awaitAllCallbacks();

    const text = await (await fetch(server.url)).text();
    console.log(`Scraped ${server.url}:`);
    for (const line of text.split("\n")) {
      if (
        /^(gen_ai_client_operation_duration_seconds_count|gen_ai_client_token_usage_sum|langchain_runs_total|gen_ai_client_operation_time_to_first_chunk_seconds_count)\{/.test(
          line,
        )
      ) {
        console.log(`  ${line}`);
      }
    }
    if (process.env.KEEP_SERVING) {
      console.log(`Serving ${server.url} until Ctrl-C`);
      await new Promise((resolve) => process.once("SIGINT", resolve));
    }
  } finally {
    await close();
    await server.close();
  }
}

runIfMain(import.meta.url, main);
