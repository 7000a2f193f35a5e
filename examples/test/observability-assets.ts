import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The folder of the Prometheus config, alert rules and Grafana dashboard. */
export const assetsDir = fileURLToPath(new URL("../observability/", import.meta.url));

interface DashboardTarget {
  refId: string;
  expr: string;
}

interface DashboardPanel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: DashboardTarget[];
}

/** The Grafana dashboard as parsed JSON. */
export interface Dashboard {
  uid: string;
  title: string;
  panels: DashboardPanel[];
  templating: { list: { name: string }[] };
}

export function readDashboard(): Dashboard {
  return JSON.parse(readFileSync(`${assetsDir}grafana-dashboard.json`, "utf8")) as Dashboard;
}

/** Every PromQL expression of the dashboard, with its panel. */
export function dashboardExpressions(dashboard: Dashboard = readDashboard()) {
  return dashboard.panels.flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({ panel: panel.title, refId: target.refId, expr: target.expr })),
  );
}

/**
 * A dashboard expression as Prometheus can run it: Grafana's variables replaced the way Grafana would for
 * "All" services and a short rate window.
 */
export function runnable(expr: string, rateInterval = "1m"): string {
  return expr.replaceAll("$__rate_interval", rateInterval).replaceAll('"$service"', '".*"');
}

/** The alerting rules: name, expression, and the expression's left-hand side and threshold. */
export function readAlertRules(): {
  alert: string;
  expr: string;
  lhs: string;
  threshold: number;
  for: string;
}[] {
  const text = readFileSync(`${assetsDir}alerts.yml`, "utf8");
  // A small reader for this file's own shape (promtool checks the YAML itself): `- alert:`, `expr: >-` folded
  // lines, `for:`.
  const rules: { alert: string; expr: string; lhs: string; threshold: number; for: string }[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const alert = /^\s+- alert: (\S+)/.exec(lines[i] ?? "")?.[1];
    if (alert === undefined) continue;
    let expr = "";
    let duration = "";
    for (let j = i + 1; j < lines.length && !/^\s+- alert:/.test(lines[j] ?? ""); j++) {
      const line = lines[j] ?? "";
      const inline = /^\s+expr: (?!>-)(.+)$/.exec(line)?.[1];
      if (inline) expr = inline;
      if (/^\s+expr: >-$/.test(line)) {
        const parts: string[] = [];
        for (let k = j + 1; k < lines.length && /^\s{10}\S/.test(lines[k] ?? ""); k++) {
          parts.push((lines[k] ?? "").trim());
        }
        expr = parts.join(" ");
      }
      const forValue = /^\s+for: (\S+)/.exec(line)?.[1];
      if (forValue) duration = forValue;
    }
    const match = /^(.*) > ([\d.]+)$/.exec(expr);
    if (!match) throw new Error(`alert ${alert}: expression does not end in "> <threshold>": ${expr}`);
    rules.push({ alert, expr, lhs: match[1] ?? "", threshold: Number(match[2]), for: duration });
  }
  return rules;
}
