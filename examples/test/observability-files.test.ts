import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { requireBinary } from "../../packages/prometheus-metrics/test/binaries.js";
import { assetsDir, dashboardExpressions, readAlertRules, readDashboard } from "./observability-assets.js";

describe("examples/observability: the Prometheus config and the alert rules", () => {
  const promtool = requireBinary("promtool");
  if (!promtool) return;
  const binary: string = promtool;

  it("promtool check rules passes on alerts.yml, with the five alerts the issue asks for", () => {
    const result = spawnSync(binary, ["check", "rules", `${assetsDir}alerts.yml`], { encoding: "utf8" });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("SUCCESS: 5 rules found");
    expect(readAlertRules().map((rule) => rule.alert)).toEqual([
      "LLMHighErrorRate",
      "LLMSlowResponses",
      "LLMSlowFirstToken",
      "LLMSpendPerHourHigh",
      "LLMBudgetExhausted",
    ]);
  });

  it("promtool check config passes on prometheus.yml (and finds the rule file)", () => {
    const result = spawnSync(binary, ["check", "config", `${assetsDir}prometheus.yml`], { encoding: "utf8" });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("SUCCESS: 1 rule files found");
  });

  it("is a real check: promtool rejects a rule with broken PromQL", () => {
    const broken =
      "groups:\n  - name: x\n    rules:\n      - alert: Broken\n        expr: sum(rate(x[5m]) > 1\n";
    const result = spawnSync(binary, ["check", "rules"], { input: broken, encoding: "utf8" });
    expect(result.status).not.toBe(0);
  });
});

describe("examples/observability: the Grafana dashboard and the demo agree", () => {
  it("is valid JSON with a Prometheus target on every panel and unique panel ids", () => {
    const dashboard = readDashboard();
    expect(dashboard.uid).toBe("chainwatch-langchain");
    const panels = dashboard.panels.filter((panel) => panel.type !== "row");
    expect(panels.length).toBeGreaterThanOrEqual(12);
    for (const panel of panels) {
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      // Grafana's import input, not a JavaScript template.
      expect(panel.datasource, panel.title).toEqual({ type: "prometheus", uid: `\${DS_PROMETHEUS}` });
    }
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(dashboard.templating.list.map((variable) => variable.name)).toEqual(["service"]);
  });

  it("covers requests, errors, latency and TTFT percentiles, tokens by type and cost by model", () => {
    const exprs = dashboardExpressions().map((entry) => entry.expr);
    const uses = (pattern: RegExp) => exprs.some((expr) => pattern.test(expr));
    expect(uses(/rate\(gen_ai_client_operation_duration_seconds_count\{service/)).toBe(true);
    expect(uses(/gen_ai_client_operation_duration_seconds_count\{error_type!=""/)).toBe(true);
    expect(uses(/histogram_quantile\(0\.95, .*gen_ai_client_operation_duration_seconds_bucket/)).toBe(true);
    expect(
      uses(/histogram_quantile\(0\.95, .*gen_ai_client_operation_time_to_first_chunk_seconds_bucket/),
    ).toBe(true);
    for (const counter of ["input", "output", "cache_read"]) {
      expect(uses(new RegExp(`langchain_${counter}_tokens_total`)), counter).toBe(true);
    }
    expect(uses(/sum by \(gen_ai_request_model\) \(langchain_cost_usd_total/)).toBe(true);
  });

  it("prometheus.yml scrapes the port the demo serves by default", () => {
    const config = readFileSync(`${assetsDir}prometheus.yml`, "utf8");
    expect(config).toContain('- targets: ["127.0.0.1:9464"]');
    expect(readFileSync(new URL("../src/stack-demo.ts", import.meta.url), "utf8")).toContain(
      "Number(process.env.METRICS_PORT ?? 9464)",
    );
  });
});
