// `npm run bench`: every subject on every workload, in one process, each timed in slices that alternate with
// slices of its baseline, so that its ratio compares figures taken a fraction of a second apart.
// Writes BENCHMARKS.md at the repository root. Options: --rounds=N (default 3), --time=MS per subject and round
// (default 480, in --slices=N slices, default 6, each with as many ms of its baseline), --only=<text>[|<text>…]
// (subjects whose name contains one, plus the baselines), --workload=<text>[|<text>…] (workloads whose name
// contains one; a partial run prints its table and leaves BENCHMARKS.md alone).
import { writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
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
const positive = (name: string, fallback: number): number => {
  const value = Number(arg(name) ?? fallback);
  if (!(Number.isInteger(value) && value > 0)) throw new RangeError(`--${name} must be a positive integer`);
  return value;
};
const ROUNDS = positive("rounds", 3);
const TIME_MS = positive("time", 480);
const SLICES = positive("slices", 6);
const SLICE_MS = TIME_MS / SLICES;
/** Iterations run, untimed, after each attach: fresh handlers and their first calls are not what is measured. */
const WARM_MS = 25;
const only = arg("only");
const onlyWorkload = arg("workload");

const allSubjects = [...BASELINES, ...CHAINWATCH, ...PEERS];
const subjects = allSubjects.filter(
  (subject) =>
    subject.group === "baseline" ||
    only === undefined ||
    only.split("|").some((part) => subject.name.includes(part)),
);
const byName = new Map(allSubjects.map((subject) => [subject.name, subject]));
const baselineOf = (subject: Subject): Subject => {
  const name = subject.baseline ?? "no-op handler";
  const baseline = byName.get(name);
  if (baseline === undefined) throw new Error(`${subject.name}: unknown baseline "${name}"`);
  return baseline;
};

interface Figure {
  /** Median time per unit over the rounds, in µs. */
  median: number;
  min: number;
  max: number;
  /** Median over the rounds of the ratio to the baseline's slices taken next to the subject's. */
  ratio: number;
  ratioMin: number;
  ratioMax: number;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

/**
 * One slice: the subject attached afresh (a peer may patch LangChain globally, so nothing else runs while it is
 * attached), warmed, then the workload run for `SLICE_MS`; the median iteration, in µs per unit.
 */
async function slice(workload: Workload, subject: Subject): Promise<number> {
  const attached = await subject.attach();
  try {
    const warmUntil = performance.now() + WARM_MS;
    do await workload.run(attached.callbacks);
    while (performance.now() < warmUntil);
    const times: number[] = [];
    const until = performance.now() + SLICE_MS;
    do {
      const started = performance.now();
      await workload.run(attached.callbacks);
      times.push(performance.now() - started);
    } while (performance.now() < until);
    return (median(times) * 1_000) / workload.units;
  } finally {
    await attached.teardown?.();
  }
}

/**
 * One round of a subject: its slices alternate with its baseline's (which goes first alternates too), and its ratio
 * is the median of each slice's ratio to the baseline slice next to it. Drift on a shared machine, which moves
 * figures taken seconds apart by up to 2x, then hits both sides of each ratio alike.
 */
async function pairedRound(
  workload: Workload,
  subject: Subject,
): Promise<{ perUnit: number; ratio: number }> {
  const baseline = baselineOf(subject);
  const mine: number[] = [];
  const ratios: number[] = [];
  for (let index = 0; index < SLICES; index++) {
    let own: number;
    let floor: number;
    if (index % 2 === 0) {
      floor = await slice(workload, baseline);
      own = await slice(workload, subject);
    } else {
      own = await slice(workload, subject);
      floor = await slice(workload, baseline);
    }
    mine.push(own);
    ratios.push(own / floor);
  }
  return { perUnit: median(mine), ratio: median(ratios) };
}

const allWorkloads = await createWorkloads();
const workloads = allWorkloads.filter(
  (workload) =>
    onlyWorkload === undefined || onlyWorkload.split("|").some((part) => workload.name.includes(part)),
);
const results = new Map<string, Map<string, Figure>>();
for (const workload of workloads) {
  const perUnit = new Map<string, number[]>();
  const ratios = new Map<string, number[]>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const subject of subjects) {
      const figure = await pairedRound(workload, subject);
      perUnit.set(subject.name, [...(perUnit.get(subject.name) ?? []), figure.perUnit]);
      ratios.set(subject.name, [...(ratios.get(subject.name) ?? []), figure.ratio]);
    }
  }
  const figures = new Map<string, Figure>();
  for (const [name, values] of perUnit) {
    const paired = ratios.get(name) ?? [];
    figures.set(name, {
      median: median(values),
      min: Math.min(...values),
      max: Math.max(...values),
      ratio: median(paired),
      ratioMin: Math.min(...paired),
      ratioMax: Math.max(...paired),
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
  "process. Each subject's ratio is to its **baseline** (the no-op handler: LangChain's own dispatch cost, the floor no",
  "handler can go under), and is **paired**: the subject runs in slices of a fraction of a second that alternate with",
  "slices of its baseline, each slice's figure is the median iteration, and the ratio is the median of each slice's",
  "ratio to the baseline slice next to it. On this shared VM a figure taken seconds later can move by up to 2x; paired",
  "slices cancel that drift, where ratios of figures taken in separate windows did not. The µs column is the median",
  "of the rounds' medians, with their spread (lowest–highest round): compare it across rows only loosely.",
  "Handlers that set `lc_prefer_streaming` (stdout-stream, and so all five together) turn a plain `invoke()` into a",
  "streaming call; their ratio is taken against a no-op handler that does the same, so it measures the handler and not",
  "the streaming the user asked for. Callbacks are awaited inline (`LANGCHAIN_CALLBACKS_BACKGROUND=false`, and",
  "`awaitHandlers: true` for stdout-stream, which otherwise keeps to LangChain's background queue), so each figure",
  "includes all of the handlers' work and no backlog carries over from one iteration to the next. All five together",
  "are attached as `createObservability` attaches them: one `combineCallbacks` handler, so LangChain dispatches each",
  "event once, not once per handler.",
  "",
  `- Machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; ${process.platform} ${process.arch}`,
  `- Node ${process.version}; ${ROUNDS} rounds × ${SLICES} slices of ${fmt(SLICE_MS)} ms per subject and workload, each next to a slice of its baseline; ${new Date().toISOString().slice(0, 16)}Z`,
  "- Regenerate: `npm run bench` (options: `-- --rounds=5 --time=1000 --slices=8 --only=<name> --workload=<name>`)",
  "",
];
for (const workload of workloads) {
  const figures = results.get(workload.name);
  if (!figures) continue;
  lines.push(
    `## ${workload.name}`,
    "",
    `| subject | µs per ${workload.unit} | spread | × baseline | ratio's spread | baseline | goal |`,
    "|---|---|---|---|---|---|---|",
  );
  for (const subject of subjects) {
    const figure = figures.get(subject.name);
    if (!figure) continue;
    const baseline = baselineOf(subject).name;
    const goal =
      subject.goal === undefined
        ? ""
        : `≤ ${subject.goal} ${figure.ratio <= subject.goal ? "✅ met" : "❌ missed"}`;
    const against =
      baseline === "no-op handler" ? "no-op" : baseline === STREAMING_NOOP ? "no-op, streaming" : baseline;
    lines.push(
      `| ${subject.name} | ${fmt(figure.median)} | ${fmt(figure.min)}–${fmt(figure.max)} | ${figure.ratio.toFixed(2)} | ${figure.ratioMin.toFixed(2)}–${figure.ratioMax.toFixed(2)} | ${against} | ${goal} |`,
    );
  }
  lines.push("");
}
if (onlyWorkload === undefined && only === undefined) {
  writeFileSync(new URL("../../BENCHMARKS.md", import.meta.url), `${lines.join("\n")}\n`);
}
process.stdout.write(`${lines.join("\n")}\n`);
