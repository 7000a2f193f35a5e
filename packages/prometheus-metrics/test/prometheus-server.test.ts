import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FakeOpenAI, fakeChatOpenAI, startFakeOpenAI } from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MetricsServer, PrometheusCallbackHandler, startMetricsServer } from "../src/index.js";
import { eventually, type RunningPrometheus, requireBinary, startPrometheus } from "./binaries.js";
import { drain } from "./helpers.js";

/**
 * The handler's metrics, scraped by a real Prometheus server (Debian's `prometheus` package) every second from
 * `startMetricsServer`, then read back through Prometheus's HTTP query API.
 */
describe("scraped by a real Prometheus server", () => {
  const binary = requireBinary("prometheus");
  if (!binary) return;
  const _prometheusBinary: string = binary;

  let dir: string;
  let prometheus: RunningPrometheus | undefined;
  let prometheusUrl: string;
  let openai: FakeOpenAI;
  let metricsServer: MetricsServer;
  const registry = new Registry();
  const handler = new PrometheusCallbackHandler({ registry, labels: { service: "it" } });

  async function query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
    const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await response.json()) as { status: string; data: { result: never[] }; error?: string };
    if (body.status !== "success") throw new Error(`query ${expr} failed: ${body.error}`);
    return body.data.result;
  }

  /** Waits until the query returns exactly one series with the expected value. */
  function expectSeries(expr: string, expected: number) {
    return eventually(
      async () => {
        const result = await query(expr);
        return result.length === 1 && Number(result[0]?.value[1]) === expected ? result : undefined;
      },
      30_000,
      `${expr} == ${expected} (prometheus logs: ${prometheus?.logs().slice(-2_000)})`,
    );
  }

  beforeAll(async () => {
    openai = await startFakeOpenAI();
    metricsServer = await startMetricsServer({ port: 0, registry });
    dir = await mkdtemp(join(tmpdir(), "chainwatch-prometheus-"));
    const config = [
      "global:",
      "  scrape_interval: 1s",
      "  evaluation_interval: 1s",
      "scrape_configs:",
      "  - job_name: chainwatch",
      "    static_configs:",
      `      - targets: ["127.0.0.1:${metricsServer.port}"]`,
      "",
    ].join("\n");
    prometheus = await startPrometheus(binary, dir, config);
    prometheusUrl = prometheus.url;
  }, 40_000);

  afterAll(async () => {
    await prometheus?.stop();
    await metricsServer?.close();
    await openai?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 20_000);

  it("sees the calls' series and exact values", async () => {
    openai.setScript({ content: "counted by prometheus", usage: { promptTokens: 11, completionTokens: 5 } });
    const model = fakeChatOpenAI(openai);
    await model.invoke("one", { callbacks: [handler] });
    await model.invoke("two", { callbacks: [handler] });
    await drain(model.stream("three", { callbacks: [handler] }));
    openai.setScript({ status: 503, error: { message: "unavailable" } });
    await expect(model.invoke("four", { callbacks: [handler] })).rejects.toThrow();
    await awaitAllCallbacks();

    await expectSeries('up{job="chainwatch"}', 1);
    const calls = await expectSeries(
      'sum(gen_ai_client_operation_duration_seconds_count{gen_ai_operation_name="chat",gen_ai_provider_name="openai",gen_ai_request_model="gpt-4o-mini",error_type=""})',
      3,
    );
    expect(calls).toHaveLength(1);
    await expectSeries('gen_ai_client_operation_duration_seconds_count{error_type="server_error"}', 1);
    await expectSeries('sum(gen_ai_client_token_usage_sum{gen_ai_token_type="input"})', 33);
    await expectSeries('sum(langchain_output_tokens_total{service="it"})', 15);
    await expectSeries("sum(gen_ai_client_operation_time_to_first_chunk_seconds_count)", 1);
    await expectSeries('sum(langchain_runs_total{run_type="llm",status="error"})', 1);
    await expectSeries("sum(langchain_runs_in_flight)", 0);
    // Prometheus parsed the buckets: a quantile over them is a number.
    const p50 = await query(
      'histogram_quantile(0.5, sum by (le) (gen_ai_client_operation_duration_seconds_bucket{error_type=""}))',
    );
    expect(Number(p50[0]?.value[1])).toBeGreaterThan(0);
  }, 60_000);
});
