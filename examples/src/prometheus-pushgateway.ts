/**
 * A batch job's LangChain metrics pushed to a Prometheus Pushgateway when the job ends (a batch job lives too
 * briefly to be scraped).
 *
 *   prometheus-pushgateway --web.listen-address=127.0.0.1:9091 &
 *   PUSHGATEWAY_URL=http://127.0.0.1:9091 npx tsx src/prometheus-pushgateway.ts
 */
import { PrometheusCallbackHandler } from "@chainwatch/prometheus-metrics";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { Pushgateway, Registry } from "prom-client";
import { exampleModel, runIfMain } from "./setup.js";

/** Options of the batch job. */
export interface PushgatewayExampleOptions {
  /** @default process.env.PUSHGATEWAY_URL ?? "http://127.0.0.1:9091" */
  gatewayUrl?: string;
  /** @default "chainwatch_batch" */
  jobName?: string;
  /** Documents to summarise. @default 3 */
  documents?: number;
}

export async function main(options: PushgatewayExampleOptions = {}): Promise<void> {
  const gatewayUrl = options.gatewayUrl ?? process.env.PUSHGATEWAY_URL ?? "http://127.0.0.1:9091";
  const jobName = options.jobName ?? "chainwatch_batch";
  // A registry per job run: the push carries this job's metrics only.
  const registry = new Registry();
  const metrics = new PrometheusCallbackHandler({ registry, labels: { batch: "nightly_summaries" } });
  const { model, close } = await exampleModel({ content: "Summary: nothing unusual." });
  try {
    const documents = options.documents ?? 3;
    for (let i = 1; i <= documents; i++) {
      await model.invoke(`Summarise document ${i}`, { callbacks: [metrics] });
    }
    // Callbacks run in the background: wait for them before pushing, or the last call is missing.
    await awaitAllCallbacks();
    // push (HTTP PUT) replaces this job's previous metrics group; pushAdd would merge into it.
    await new Pushgateway(gatewayUrl, { timeout: 5_000 }, registry).push({ jobName });
    console.log(`Pushed metrics of ${documents} calls to ${gatewayUrl} (job="${jobName}")`);
  } finally {
    await close();
  }
}

runIfMain(import.meta.url, main);
