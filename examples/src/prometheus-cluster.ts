/**
 * Metrics from several node:cluster workers, aggregated by prom-client's AggregatorRegistry in the primary and
 * served from one /metrics endpoint. Each worker runs its own handler on its own (global) registry.
 *
 *   npx tsx src/prometheus-cluster.ts            (CLUSTER_WORKERS=2, CALLS_PER_WORKER=3 by default)
 *   CLUSTER_FAILING_WORKER=2 npx tsx src/prometheus-cluster.ts   (worker 2 fails: the example stops at once, with
 *                                                                 that worker's error and exit code 1)
 */
import cluster from "node:cluster";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { PrometheusCallbackHandler } from "@chainwatch/prometheus-metrics";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { AggregatorRegistry } from "prom-client";
import { exampleModel, runIfMain } from "./setup.js";

const WORKERS = Number(process.env.CLUSTER_WORKERS ?? 2);
const CALLS = Number(process.env.CALLS_PER_WORKER ?? 3);
const FAILING_WORKER = Number(process.env.CLUSTER_FAILING_WORKER ?? 0);

/** A worker: answers the primary's metric requests (that is what its AggregatorRegistry sets up), runs calls. */
async function worker(): Promise<void> {
  // Without an AggregatorRegistry in the worker, the primary's clusterMetrics() waits for it in vain.
  new AggregatorRegistry();
  const metrics = new PrometheusCallbackHandler(); // prom-client's global register, which workers report
  const { model, close } = await exampleModel({ content: `Answer from worker ${cluster.worker?.id}` });
  try {
    if (cluster.worker?.id === FAILING_WORKER) throw new Error(`worker ${FAILING_WORKER} failed on purpose`);
    for (let i = 0; i < CALLS; i++) await model.invoke(`question ${i}`, { callbacks: [metrics] });
    await awaitAllCallbacks();
  } finally {
    await close();
  }
  process.send?.({ done: true });
}

/** What a worker tells the primary. */
type WorkerMessage = { done: true } | { error: string };

/** The primary: forks workers, waits for their calls, serves and prints the aggregated metrics. */
export async function main(): Promise<void> {
  const aggregator = new AggregatorRegistry();
  const stopWorkers = () => {
    for (const forked of Object.values(cluster.workers ?? {})) {
      forked?.removeAllListeners("exit");
      forked?.process.kill();
    }
  };
  const finished = Array.from({ length: WORKERS }, () => {
    const forked = cluster.fork();
    return new Promise<void>((resolve, reject) => {
      let reported: string | undefined;
      forked.on("message", (message: WorkerMessage) => {
        if ("done" in message) resolve();
        else reported = message.error;
      });
      // A worker that exits before it is done fails the example at once, with the worker's own error.
      forked.on("exit", (code, signal) =>
        reject(
          new Error(
            `worker ${forked.id} exited before finishing (${signal ?? `code ${code}`})${reported ? `: ${reported}` : ""}`,
          ),
        ),
      );
    });
  });
  try {
    await Promise.all(finished);
  } catch (error) {
    // The other workers would keep the primary alive (their IPC channels): stop them, then fail.
    stopWorkers();
    throw error;
  }

  const server = createServer(async (req, res) => {
    if (req.url !== "/metrics") {
      res.statusCode = 404;
      res.end();
      return;
    }
    try {
      const body = await aggregator.clusterMetrics();
      res.setHeader("Content-Type", aggregator.contentType);
      res.end(body);
    } catch (error) {
      res.statusCode = 500;
      res.end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
    const text = await (await fetch(url)).text();
    const total = (prefix: string) =>
      text
        .split("\n")
        .filter((line) => line.startsWith(prefix))
        .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)), 0);
    console.log(`Aggregated ${WORKERS} workers at ${url}:`);
    console.log(`  calls: ${total("gen_ai_client_operation_duration_seconds_count{")}`);
    console.log(`  input tokens: ${total("langchain_input_tokens_total{")}`);
    console.log(`  output tokens: ${total("langchain_output_tokens_total{")}`);
    console.log(`  runs in flight: ${total("langchain_runs_in_flight{")}`);
  } finally {
    server.close();
    for (const forked of Object.values(cluster.workers ?? {})) {
      forked?.removeAllListeners("exit");
      forked?.disconnect();
    }
  }
}

if (cluster.isPrimary) runIfMain(import.meta.url, main);
else
  worker().catch((error: unknown) => {
    // The primary prints it, with the worker's id, as the reason the example failed.
    const message: WorkerMessage = {
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    };
    if (process.send) process.send(message, () => process.exit(1));
    else {
      console.error(error);
      process.exit(1);
    }
  });
