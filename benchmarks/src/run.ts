// `npm run bench`: every subject on every workload, in one process, with the baselines measured in the same run.
// Writes BENCHMARKS.md at the repository root. Options: --rounds=N (default 3), --time=MS per sample window
// (default 600), --only=<text>[|<text>…] (subjects whose name contains one, plus the baselines), --workload=<text>[|<text>…] (workloads
// whose name contains one; a partial run prints its table and leaves BENCHMARKS.md alone).
import { writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { Bench } from "tinybench";
import { CHAINWATCH } from "./chainwatch-subjects.js";
import { BASELINES, PEERS, STREAMING_NOOP, type Subject } from "./subjects.js";
import { createWorkloads, type Workload } from "./workloads.js";

// Callbacks awaited inline rather than on LangChain's background queue: a fast workload would otherwise outrun its
// handlers and the backlog would grow from one iteration to the next (measuring the backlog, not the handlers),
// and draining it costs a fixed ~1 ms per wait. Handlers read this when they are built, in attach().
if (process.env.LANGCHAIN_CALLBACKS_BACKGROUND !== "false") {
  throw new Error("run with LANGCHAIN_CALLBACKS_BACKGROUND=false (npm run bench sets it)");
}

const arg = (name: string): string | undefined =>
  process.argv.find((value) => value.startsWith(`--${name}=`))?.slice(name.length + 3);
const ROUNDS = Number(arg("rounds") ?? 3);
const TIME_MS = Number(arg("time") ?? 600);
const only = arg("only");
const onlyWorkload = arg("workload");

const subjects = [...BASELINES, ...CHAINWATCH, ...PEERS].filter(
  (subject) =>
    subject.group === "baseline" ||
    only === undefined ||
    only.split("|").some((part) => subject.name.includes(part)),
);

interface Figure {
  /** Median time per unit over the rounds' medians, in µs. */
  median: number;
  min: number;
  max: number;
  samples: number;
}

async function timeOnce(workload: Workload, subject: Subject): Promise<{ perUnit: number; samples: number }> {
  const attached = await subject.attach();
  try {
    const bench = new Bench({ time: TIME_MS, warmup: true, warmupTime: 150, throws: true });
    bench.add(subject.name, () => workload.run(attached.callbacks));
    await bench.run();
    const result = bench.tasks[0]?.result;
    if (!result || !("latency" in result)) throw new Error(`${subject.name} on ${workload.name}: no result`);
    const latency = result.latency;
    return {
      perUnit: ((latency.p50 ?? latency.mean) * 1_000) / workload.units,
      samples: latency.samplesCount,
    };
  } finally {
    await attached.teardown?.();
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

const allWorkloads = await createWorkloads();
const workloads = allWorkloads.filter(
  (workload) =>
    onlyWorkload === undefined || onlyWorkload.split("|").some((part) => workload.name.includes(part)),
);
const results = new Map<string, Map<string, Figure>>();
for (const workload of workloads) {
  const perSubject = new Map<string, number[]>();
  const samples = new Map<string, number>();
  for (let round = 0; round < ROUNDS; round++) {
    // Interleaved rounds: drift on a shared machine hits every subject alike.
    for (const subject of subjects) {
      const { perUnit, samples: count } = await timeOnce(workload, subject);
      perSubject.set(subject.name, [...(perSubject.get(subject.name) ?? []), perUnit]);
      samples.set(subject.name, (samples.get(subject.name) ?? 0) + count);
    }
  }
  const figures = new Map<string, Figure>();
  for (const [name, values] of perSubject) {
    figures.set(name, {
      median: median(values),
      min: Math.min(...values),
      max: Math.max(...values),
      samples: samples.get(name) ?? 0,
    });
  }
  results.set(workload.name, figures);
  process.stdout.write(`${workload.name}: done\n`);
}
for (const workload of allWorkloads) await workload.close?.();

const fmt = (value: number) =>
  value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
const lines: string[] = [
  "# Benchmarks",
  "",
  "Every chainwatch handler, all five together, and the peers a user would pick instead, on the same workloads in one",
  "process. Figures are medians of per-round medians (tinybench p50), with the spread (lowest–highest round), and the",
  "ratio to the **no-op handler** measured in the same run: LangChain's own dispatch cost, the floor no handler can go under.",
  "Handlers that set `lc_prefer_streaming` (stdout-stream, and so all five together) turn a plain `invoke()` into a",
  "streaming call; their ratio is taken against a no-op handler that does the same, so it measures the handler and not",
  "the streaming the user asked for. Callbacks are awaited inline (`LANGCHAIN_CALLBACKS_BACKGROUND=false`), so each",
  "figure includes all of the handlers' work and no backlog carries over from one iteration to the next.",
  "",
  `- Machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; ${process.platform} ${process.arch}`,
  `- Node ${process.version}; ${ROUNDS} rounds × ${TIME_MS} ms per subject and workload; ${new Date().toISOString().slice(0, 16)}Z`,
  "- Regenerate: `npm run bench` (options: `-- --rounds=5 --time=1000 --only=<name>`)",
  "",
];
for (const workload of workloads) {
  const figures = results.get(workload.name);
  if (!figures) continue;
  lines.push(
    `## ${workload.name}`,
    "",
    `| subject | µs per ${workload.unit} | spread | × baseline | baseline | goal |`,
    "|---|---|---|---|---|---|",
  );
  for (const subject of subjects) {
    const figure = figures.get(subject.name);
    const baseline = subject.baseline ?? "no-op handler";
    const floor = figures.get(baseline)?.median;
    if (!figure || floor === undefined) continue;
    const ratio = figure.median / floor;
    const goal =
      subject.goal === undefined ? "" : `≤ ${subject.goal} ${ratio <= subject.goal ? "✅ met" : "❌ missed"}`;
    const against =
      baseline === "no-op handler" ? "no-op" : baseline === STREAMING_NOOP ? "no-op, streaming" : baseline;
    lines.push(
      `| ${subject.name} | ${fmt(figure.median)} | ${fmt(figure.min)}–${fmt(figure.max)} | ${ratio.toFixed(2)} | ${against} | ${goal} |`,
    );
  }
  lines.push("");
}
if (onlyWorkload === undefined && only === undefined) {
  writeFileSync(new URL("../../BENCHMARKS.md", import.meta.url), `${lines.join("\n")}\n`);
}
process.stdout.write(`${lines.join("\n")}\n`);
