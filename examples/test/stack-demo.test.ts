import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { captureConsole } from "@chainwatch/testkit";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import {
  eventually,
  type RunningPrometheus,
  requireBinary,
  startPrometheus,
} from "../../packages/prometheus-metrics/test/binaries.js";
import {
  DEMO_PII,
  MISSING_MODEL,
  type StackDemo,
  startStackDemo,
  type WorkloadResult,
} from "../src/stack-demo.js";
import { assetsDir, dashboardExpressions, readAlertRules, runnable } from "./observability-assets.js";
import { runExample } from "./run-example.js";

const RAW_PII = Object.values(DEMO_PII);
/** One round's cost in millionths of a dollar: 271 uncached + 64 cached input tokens, 109 output (gpt-4o-mini). */
const ROUND_COST_MILLIONTHS = 271 * 0.15 + 64 * 0.075 + 109 * 0.6;

describe("npm run demo: the stack demo", () => {
  it("is what `npm run demo` runs; the walkthrough moved to `npm run examples`", () => {
    const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
      scripts: Record<string, string>;
    };
    expect(manifest.scripts.demo).toBe("tsx src/stack-demo.ts");
    expect(manifest.scripts.examples).toBe("tsx src/demo.ts");
  });

  it("runs a chain and an agent through all five handlers, redacted, and closes with a summary and a cost table", async () => {
    // The demo writes its log to the system's temporary directory and leaves it for the user: here that directory
    // is one the test removes, pass or fail.
    const tmp = await mkdtemp(join(tmpdir(), "chainwatch-demo-run-"));
    onTestFinished(() => rm(tmp, { recursive: true, force: true }));
    const { stdout, stderr, code } = await runExample("stack-demo.ts", { METRICS_PORT: "0", TMPDIR: tmp });
    expect(code, stderr).toBe(0);
    expect(stdout).toContain("no OPENAI_API_KEY: using the embedded OpenAI-compatible server on 127.0.0.1");
    // Tokens streamed to the terminal, redacted.
    expect(stdout).toContain("You said: I'm [EMAIL], call me on [PHONE]. What does chainwatch watch?\n");
    expect(stdout).toContain("The weather in Lisbon is sunny, 21°C.\n");
    expect(stdout).toContain("✗ failed with HTTP 404: counted as an error");
    // The agent run's trace as a tree: the agent's span, its two model calls and the tool call below it.
    const tree = /── the agent run's trace[^\n]*\n((?:.+\n){4})/.exec(stdout)?.[1] ?? "";
    expect(tree).toMatch(/^invoke_agent LangGraph {2}/);
    expect(tree).toMatch(
      /\n├─ chat gpt-4o-mini {2}.* in=79 out=8 ttfc=.*finish=tool_calls cost=\$0\.000017\b\n/,
    );
    expect(tree).toMatch(/\n├─ execute_tool get_weather {2}.* call=call_1\n/);
    expect(tree).toMatch(/\n└─ chat gpt-4o-mini {2}.*finish=stop cost=\$0\.000021\b\n$/);
    expect(stdout).toContain("set OTEL_EXPORTER_OTLP_ENDPOINT to send them to a collector");
    expect(stdout).toMatch(/■ stopped after 6 calls: Trace budget of \$0\.00005 reached/);
    // The /metrics summary: the embedded server counts the tokens of what it received and sent (o200k_base), so
    // nine short calls are a few hundred tokens — 335 input (64 of them cached), 109 output — at gpt-4o-mini's
    // $0.15 (cached $0.075) and $0.60 per million.
    expect(stdout).toContain("LLM calls    9 ok, 1 failed, 1 stopped by the budget before sending");
    expect(stdout).toContain("tokens       335 input (64 cached), 109 output");
    expect(stdout).toContain("tool calls   1");
    expect(stdout).toMatch(/cost {9}\$0\.000111\d* \(langchain_cost_usd_total\)/);
    expect(stdout).toContain("budget       1 limit reached");
    expect(stdout).toMatch(/total\s+9\s+335\s+64\s+109\s+0\s+\$0\.000111/);
    const logFile = /JSON logs \(redacted\): {2}(\S+)/.exec(stdout)?.[1] ?? "";
    expect(stdout).toMatch(/metrics: {15}http:\/\/127\.0\.0\.1:\d+\/metrics/);
    expect(stdout).toContain("stack demo finished");
    expect(logFile.startsWith(tmp)).toBe(true);
    const log = await readFile(logFile, "utf8");
    for (const raw of RAW_PII) {
      expect(stdout).not.toContain(raw);
      expect(log).not.toContain(raw);
    }
    const events = log
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { msg: string; cost_usd?: number });
    const ends = events.filter((record) => record.msg === "llm.end");
    expect(ends).toHaveLength(9);
    expect(events.filter((record) => record.msg === "llm.error")).toHaveLength(1);
    // Every call's cost is in its log record, and they add up to the table's total.
    const logged = ends.reduce((sum, record) => sum + (record.cost_usd ?? Number.NaN), 0);
    expect(logged).toBeCloseTo(ROUND_COST_MILLIONTHS / 1e6, 9);
  }, 60_000);
});

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

/**
 * End to end: a real Prometheus loads examples/observability/prometheus.yml and alerts.yml, scrapes the demo
 * while it runs its workload twice (so that rates and increases have something to measure), and every dashboard
 * and alert expression is queried through the HTTP API and checked against what the workload did.
 */
describe("the demo's traces over OTLP", () => {
  it("sends every trace to OTEL_EXPORTER_OTLP_ENDPOINT as OTLP/HTTP protobuf when it is set", async () => {
    const received: { path: string; type: string; bytes: number }[] = [];
    const collector = createServer((req, res) => {
      let bytes = 0;
      req.on("data", (chunk: Buffer) => {
        bytes += chunk.length;
      });
      req.on("end", () => {
        received.push({ path: req.url ?? "", type: String(req.headers["content-type"]), bytes });
        res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = collector.address() as AddressInfo;
      const { stdout, stderr, code } = await runExample("stack-demo.ts", {
        METRICS_PORT: "0",
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      });
      expect(code, stderr).toBe(0);
      expect(stdout).toContain(`sent over OTLP to http://127.0.0.1:${port}`);
      expect(received.length).toBeGreaterThan(0);
      expect(received.every((request) => request.path === "/v1/traces")).toBe(true);
      expect(received[0]?.type).toBe("application/x-protobuf");
      expect(received.reduce((sum, request) => sum + request.bytes, 0)).toBeGreaterThan(500);
    } finally {
      await new Promise((resolve) => collector.close(resolve));
    }
  }, 90_000);
});

describe("the demo scraped by a real Prometheus, with the example config, rules and dashboard", () => {
  const binary = requireBinary("prometheus");
  if (!binary) return;
  const _prometheusBinary: string = binary;

  let dir: string;
  let prometheus: RunningPrometheus | undefined;
  let prometheusUrl: string;
  let demo: StackDemo;
  const out = new PassThrough();
  let printed = "";
  out.on("data", (chunk: Buffer) => {
    printed += chunk.toString("utf8");
  });
  const rounds: WorkloadResult[] = [];

  async function query(expr: string): Promise<Sample[]> {
    const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await response.json()) as { status: string; data: { result: Sample[] }; error?: string };
    if (body.status !== "success") throw new Error(`query ${expr} failed: ${body.error}`);
    return body.data.result;
  }

  async function scalar(expr: string): Promise<number | undefined> {
    const [sample, ...rest] = await query(expr);
    if (sample === undefined || rest.length > 0) return undefined;
    return Number(sample.value[1]);
  }

  /** Waits until Prometheus has scraped a value of `expr` equal to `expected`. */
  function scraped(expr: string, expected: number) {
    return eventually(
      async () => ((await scalar(expr)) === expected ? true : undefined),
      30_000,
      `${expr} == ${expected} (prometheus logs: ${prometheus?.logs().slice(-2_000)})`,
    );
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "chainwatch-stack-demo-"));
    demo = await startStackDemo({ out, logFile: join(dir, "demo.log"), metricsPort: 0 });
    // The example config as it is, pointed at the port the demo got and at the rule file by absolute path.
    const example = await readFile(`${assetsDir}prometheus.yml`, "utf8");
    const config = example
      .replace('"127.0.0.1:9464"', `"127.0.0.1:${demo.stack.metricsServer?.port}"`)
      .replace("  - alerts.yml", `  - ${assetsDir}alerts.yml`);
    expect(config).not.toContain('"127.0.0.1:9464"');
    expect(config).toContain(`${assetsDir}alerts.yml`);
    prometheus = await startPrometheus(binary, dir, config);
    prometheusUrl = prometheus.url;
    await scraped('up{job="chainwatch-demo"}', 1);
    // Round one creates the series; round two, scraped after, gives the rates something to measure. LangChain may
    // print the budget's refusal as `Error in handler CombinedCallbackHandler, …` (to LangChain the stack is one
    // handler): captured, and nothing else.
    const console = captureConsole();
    try {
      rounds.push(await demo.runWorkload());
      // 9 answered, 1 failed, and the call the budget refused (counted once, as abandoned: it gets no end event).
      await scraped('sum(langchain_runs_total{run_type="llm"})', 11);
      rounds.push(await demo.runWorkload());
    } finally {
      console.restore();
    }
    for (const line of console.lines) {
      expect(line).toMatch(
        /^error: Error in handler CombinedCallbackHandler, handleLLMStart: BudgetExceededError/,
      );
    }
    await scraped('sum(langchain_runs_total{run_type="llm"})', 22);
    await scraped("sum(langchain_budget_exceeded_total)", 2);
  }, 90_000);

  afterAll(async () => {
    await prometheus?.stop();
    await demo?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 20_000);

  it("each round did what the demo says: 9 calls, 1 failure, a loop of 6 stopped by the budget", () => {
    expect(rounds).toEqual([
      { okCalls: 9, failedCalls: 1, blockedCalls: 1, loopCalls: 6 },
      { okCalls: 9, failedCalls: 1, blockedCalls: 1, loopCalls: 6 },
    ]);
  });

  it("every dashboard expression returns data, and the totals match the workload exactly", async () => {
    const ok = rounds.reduce((sum, round) => sum + round.okCalls, 0);
    const failed = rounds.reduce((sum, round) => sum + round.failedCalls, 0);
    const { cost } = demo.stack.handlers;
    // The exact figures, by panel and query.
    const exact: Record<string, (samples: Sample[]) => void> = {
      "LLM calls/A": (samples) => expect(Number(samples[0]?.value[1])).toBe(ok + failed),
      "Failed LLM calls/A": (samples) => expect(Number(samples[0]?.value[1])).toBe(failed),
      // Tokens as the server counted them (335 input, 109 output a round), equal to token-cost's own totals.
      "Tokens/A": (samples) => {
        expect(Number(samples[0]?.value[1])).toBe(cost.totals.tokens.inputTokens);
        expect(cost.totals.tokens.inputTokens).toBe(rounds.length * 335);
      },
      "Tokens/B": (samples) => {
        expect(Number(samples[0]?.value[1])).toBe(cost.totals.tokens.outputTokens);
        expect(cost.totals.tokens.outputTokens).toBe(rounds.length * 109);
      },
      // Cost: Prometheus's sum equals token-cost's own total.
      "Spend/A": (samples) => {
        expect(Number(samples[0]?.value[1])).toBeCloseTo(cost.costUsd, 15);
        expect(cost.costUsd).toBeCloseTo((rounds.length * ROUND_COST_MILLIONTHS) / 1e6, 9);
      },
      "Budget limits reached/A": (samples) =>
        expect(samples.map((sample) => [sample.metric.scope, Number(sample.value[1])]).sort()).toEqual([
          ["total", 0],
          ["trace", 2],
        ]),
      "Cost by model/A": (samples) => {
        expect(samples.map((sample) => sample.metric.gen_ai_request_model)).toEqual(["gpt-4o-mini"]);
        expect(Number(samples[0]?.value[1])).toBeCloseTo(
          cost.byModel().get("gpt-4o-mini")?.costUsd ?? -1,
          15,
        );
      },
      "Requests / s by model/A": (samples) =>
        expect(samples.map((sample) => sample.metric.gen_ai_request_model).sort()).toEqual([
          MISSING_MODEL,
          "gpt-4o-mini",
        ]),
      "Errors / s by type/A": (samples) =>
        expect(samples.map((sample) => sample.metric.error_type)).toEqual(["not_found"]),
      "Tool calls / s/A": (samples) =>
        expect(samples.map((sample) => sample.metric.gen_ai_tool_name)).toEqual(["get_weather"]),
      "Spend per hour by model/A": (samples) =>
        expect(samples.map((sample) => sample.metric.gen_ai_request_model)).toEqual(["gpt-4o-mini"]),
    };
    const expressions = dashboardExpressions();
    expect(expressions.length).toBeGreaterThanOrEqual(20);
    for (const { panel, refId, expr } of expressions) {
      const samples = await query(runnable(expr));
      const where = `${panel}/${refId}: ${runnable(expr)}`;
      expect(samples.length, where).toBeGreaterThan(0);
      for (const sample of samples) {
        const value = Number(sample.value[1]);
        expect(Number.isFinite(value), where).toBe(true);
        expect(value, where).toBeGreaterThanOrEqual(0);
      }
      // Rates, ratios and quantiles cover round two only: they must be positive (percentiles within the buckets).
      if (/rate\(|increase\(/.test(expr) && !/^Budget/.test(panel)) {
        for (const sample of samples) expect(Number(sample.value[1]), where).toBeGreaterThan(0);
      }
      if (expr.startsWith("histogram_quantile")) {
        expect(Number(samples[0]?.value[1]), where).toBeLessThanOrEqual(81.92);
      }
      exact[`${panel}/${refId}`]?.(samples);
    }
  });

  it("every alert expression evaluates: budget exhaustion fires, the error rate is pending, the others are quiet", async () => {
    const rules = readAlertRules();
    const ok = rounds.reduce((sum, round) => sum + round.okCalls, 0);
    const failed = rounds.reduce((sum, round) => sum + round.failedCalls, 0);
    const values: Record<string, number[]> = {};
    for (const rule of rules) {
      const samples = await query(rule.lhs);
      expect(samples.length, rule.alert).toBeGreaterThan(0);
      values[rule.alert] = samples.map((sample) => Number(sample.value[1]));
    }
    // One failure in eleven calls a round: about 9% over the window, above the 5% threshold.
    expect(values.LLMHighErrorRate?.[0]).toBeGreaterThan(0.05);
    expect(values.LLMHighErrorRate?.[0]).toBeLessThan(0.5);
    expect(failed / (ok + failed)).toBeCloseTo(1 / 10, 12);
    // The embedded server answers in milliseconds.
    for (const latency of [...(values.LLMSlowResponses ?? []), ...(values.LLMSlowFirstToken ?? [])]) {
      expect(latency).toBeGreaterThan(0);
      expect(latency).toBeLessThan(5);
    }
    const spend = values.LLMSpendPerHourHigh?.[0] ?? -1;
    expect(spend).toBeGreaterThan(0);
    expect(spend).toBeLessThan(10);

    // Prometheus evaluates the loaded rules itself: the states follow from the workload.
    const states = await eventually(
      async () => {
        const response = await fetch(`${prometheusUrl}/api/v1/rules?type=alert`);
        const body = (await response.json()) as {
          data: {
            groups: { rules: { name: string; state: string; health: string; lastError?: string }[] }[];
          };
        };
        const found = Object.fromEntries(
          body.data.groups.flatMap((group) => group.rules).map((rule) => [rule.name, rule]),
        );
        return found.LLMBudgetExhausted?.state === "firing" && found.LLMHighErrorRate?.state === "pending"
          ? found
          : undefined;
      },
      30_000,
      "LLMBudgetExhausted firing and LLMHighErrorRate pending",
    );
    expect(Object.keys(states).sort()).toEqual(rules.map((rule) => rule.alert).sort());
    for (const rule of Object.values(states)) expect(rule.health, rule.name).toBe("ok");
    expect(states.LLMSlowResponses?.state).toBe("inactive");
    expect(states.LLMSlowFirstToken?.state).toBe("inactive");
    expect(states.LLMSpendPerHourHigh?.state).toBe("inactive");
    const firing = await query('ALERTS{alertname="LLMBudgetExhausted",alertstate="firing"}');
    expect(firing.map((sample) => [sample.metric.limit, sample.metric.reason])).toEqual([
      ["trace", "exceeded"],
    ]);
  });

  it("no raw PII from the prompts in the log file or in what was printed", async () => {
    await demo.stack.handlers.logger?.flush();
    const log = await readFile(demo.logFile, "utf8");
    expect(log.split("\n").filter(Boolean).length).toBeGreaterThan(50);
    for (const raw of RAW_PII) {
      expect(log).not.toContain(raw);
      expect(printed).not.toContain(raw);
    }
    expect(log).toContain("[EMAIL]");
    expect(log).toContain("[CREDIT_CARD]");
    expect(printed).toContain("[EMAIL]");
  });
});
