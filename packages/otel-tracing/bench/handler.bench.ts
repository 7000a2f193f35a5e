/**
 * Cost of OpenTelemetryCallbackHandler beside the no-op handler and the two tracers people use today
 * (OpenInference's LangChain instrumentation and @langfuse/langchain), on the workloads of the repository's
 * benchmark (`benchmarks/src/workloads.ts`) with the peers set up exactly as there (`benchmarks/src/subjects.ts`):
 * every tracer records into an in-memory exporter through a SimpleSpanProcessor, reset every 200 ms.
 * Then the heap over 20,000 runs, a quarter of them abandoned streams whose spans must be ended and dropped.
 *
 *   npm run bench --workspace @chainwatch/otel-tracing   (-- --rounds=N --time=MS)
 */
import { cpus } from "node:os";
import { InProcessChatModel } from "@chainwatch/testkit";
import { trace } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { Bench } from "tinybench";
import { BASELINES, PEERS, type Subject } from "../../../benchmarks/src/subjects.js";
import { createWorkloads } from "../../../benchmarks/src/workloads.js";
import { OpenTelemetryCallbackHandler, type SpanSelection } from "../src/index.js";

if (process.env.LANGCHAIN_CALLBACKS_BACKGROUND !== "false") {
  throw new Error("run with LANGCHAIN_CALLBACKS_BACKGROUND=false (npm run bench sets it)");
}
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");

const arg = (name: string): string | undefined =>
  process.argv.find((value) => value.startsWith(`--${name}=`))?.slice(name.length + 3);
const ROUNDS = Number(arg("rounds") ?? 3);
const TIME_MS = Number(arg("time") ?? 500);

function ours(spans: SpanSelection): Subject {
  return {
    name: `OpenTelemetryCallbackHandler (spans: "${spans}", in-memory spans)`,
    group: "chainwatch",
    goal: 1.3,
    attach: async () => {
      const exporter = new InMemorySpanExporter();
      const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
      const timer = setInterval(() => exporter.reset(), 200);
      return {
        callbacks: [new OpenTelemetryCallbackHandler({ tracerProvider: provider, spans })],
        teardown: async () => {
          clearInterval(timer);
          exporter.reset();
          await provider.shutdown();
        },
      };
    },
  };
}

/** The handler on the API's no-op tracer (no SDK installed): the handler's own cost, without span recording. */
const handlerOnly: Subject = {
  name: "OpenTelemetryCallbackHandler (no SDK: the API's no-op tracer)",
  group: "chainwatch",
  attach: async () => ({
    callbacks: [new OpenTelemetryCallbackHandler({ tracer: trace.getTracerProvider().getTracer("bench") })],
  }),
};

const subjects: Subject[] = [
  ...BASELINES.filter((subject) => subject.name === "no-op handler"),
  handlerOnly,
  ours("all"),
  ours("genai"),
  ...PEERS.filter((subject) => !subject.name.startsWith("ConsoleCallbackHandler")),
];

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

const fmt = (value: number) =>
  value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);

async function timings(): Promise<string[]> {
  const lines: string[] = [];
  const workloads = await createWorkloads();
  for (const workload of workloads) {
    const perSubject = new Map<string, number[]>();
    for (let round = 0; round < ROUNDS; round++) {
      // Interleaved rounds, the order rotated: drift on a shared machine hits every subject alike.
      const order = subjects.map((_, i) => subjects[(i + round) % subjects.length] as Subject);
      for (const subject of order) {
        const attached = await subject.attach();
        try {
          const bench = new Bench({ time: TIME_MS, warmup: true, warmupTime: 150, throws: true });
          bench.add(subject.name, () => workload.run(attached.callbacks));
          await bench.run();
          const result = bench.tasks[0]?.result;
          if (!result || !("latency" in result)) throw new Error(`${subject.name}: no result`);
          const perUnit = ((result.latency.p50 ?? result.latency.mean) * 1000) / workload.units;
          perSubject.set(subject.name, [...(perSubject.get(subject.name) ?? []), perUnit]);
        } finally {
          await attached.teardown?.();
        }
      }
    }
    const floor = median(perSubject.get("no-op handler") ?? [0]);
    lines.push(
      `### ${workload.name}`,
      "",
      `| subject | µs per ${workload.unit} | spread | × no-op |`,
      "|---|---|---|---|",
    );
    for (const subject of subjects) {
      const values = perSubject.get(subject.name) ?? [];
      const m = median(values);
      // The goals: ≤ 1.3x the no-op handler per call, ≤ 1.1x per streamed token.
      const limit = subject.goal === undefined ? undefined : workload.unit === "token" ? 1.1 : subject.goal;
      const goal = limit === undefined ? "" : ` (goal ≤ ${limit}: ${m / floor <= limit ? "met" : "missed"})`;
      lines.push(
        `| ${subject.name} | ${fmt(m)} | ${fmt(Math.min(...values))}–${fmt(Math.max(...values))} | ${(m / floor).toFixed(2)}${goal} |`,
      );
    }
    lines.push("");
    process.stdout.write(`${lines.slice(-subjects.length - 5).join("\n")}\n`);
  }
  for (const workload of workloads) await workload.close?.();
  return lines;
}

function heapMb(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

/** 20,000 runs, every fourth an abandoned stream; the TTL is short so the sweep ends their spans. */
async function soak(): Promise<string[]> {
  let ended = 0;
  const provider = new BasicTracerProvider({
    spanProcessors: [
      {
        onStart: () => {},
        onEnd: () => {
          ended++;
        },
        forceFlush: () => Promise.resolve(),
        shutdown: () => Promise.resolve(),
      },
    ],
  });
  const handler = new OpenTelemetryCallbackHandler({
    tracerProvider: provider,
    runs: { ttlMs: 50, inFlightTtlMs: 50 },
  });
  const model = new InProcessChatModel({ tokens: 5 });
  const run = async (i: number) => {
    if (i % 4 === 3) {
      for await (const _ of await model.stream("soak", { callbacks: [handler] })) break;
    } else await model.invoke("soak", { callbacks: [handler] });
  };
  for (let i = 0; i < 2000; i++) await run(i);
  await new Promise((resolve) => setTimeout(resolve, 100));
  void handler.activeRunCount; // sweeps
  const before = heapMb();
  const N = 20_000;
  for (let i = 0; i < N; i++) await run(i);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const held = handler.activeRunCount;
  const after = heapMb();
  return [
    "### heap over 20,000 runs (a quarter abandoned streams, run TTL 50 ms)",
    "",
    `heap after GC ${before.toFixed(2)} MB before, ${after.toFixed(2)} MB after; runs still held: ${held}; spans ended: ${ended} of ${N + 2000}`,
    "",
  ];
}

const lines = [
  `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}; ${ROUNDS} rounds × ${TIME_MS} ms; ${new Date().toISOString().slice(0, 16)}Z`,
  "",
  ...(await timings()),
  ...(await soak()),
];
process.stdout.write(`\n${lines.join("\n")}\n`);
