/**
 * Raw speed of the redactor: short lines (50-200 bytes) and long text, default and all types; a short string that
 * holds nothing. `npx tsx bench/speed.ts` (also a section of bench/run.ts). Fastest of 7 runs, CPU time.
 */
import { createRedactor, PII_TYPES } from "../src/index.js";

let seed = 11;
const rnd = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};
const WORDS =
  "the a support team order shipped today please thanks for your patience we will refund the payment within five business days let me know if you need anything else our product update includes faster search better logs and a new dashboard".split(
    " ",
  );
const VALUES = [
  " to ann.lee@example.com",
  " at +44 20 7946 0958",
  " on 4111 1111 1111 1111",
  " from 10.0.0.7",
  " via https://example.com/x",
  " for Maria Gonzalez",
  " at 12 Main Street, Springfield",
];
function sentence(): string {
  const words = Array.from(
    { length: 8 + Math.floor(rnd() * 22) },
    () => WORDS[Math.floor(rnd() * WORDS.length)],
  );
  const text = words.join(" ");
  const value = rnd() < 0.05 ? (VALUES[Math.floor(rnd() * VALUES.length)] as string) : "";
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}${value}.`;
}
/** About 1 MB of lines of 50-200 bytes. */
export const SHORT_LINES: string[] = [];
let total = 0;
while (total < 1_000_000) {
  let line = sentence();
  while (line.length < 50) line += ` ${sentence()}`;
  line = line.slice(0, 200);
  SHORT_LINES.push(line);
  total += line.length;
}
export const LONG_TEXT = SHORT_LINES.join(" ");

/** The fastest of `runs` runs: on a shared, loaded machine the minimum is the least disturbed figure. */
function cpuMs(fn: () => void, runs = 7): number {
  const times: number[] = [];
  for (let index = 0; index < runs; index++) {
    const start = process.cpuUsage();
    fn();
    const used = process.cpuUsage(start);
    times.push((used.user + used.system) / 1000);
  }
  return Math.min(...times);
}

/** MB/s rows for BENCHMARKS.md. */
export function speedReport(): string {
  const bytes = LONG_TEXT.length / 1e6;
  const rows: string[] = [
    `${SHORT_LINES.length} lines of 50-200 bytes (${bytes.toFixed(1)} MB; a value in about 1 sentence in 20), then the same text as one string. MB/s on CPU time, fastest of 7 runs. Goal: ≥ 30 MB/s, all types.`,
    "",
    "| redactor | short lines, MB/s | long text, MB/s | µs per short line |",
    "| --- | --- | --- | --- |",
  ];
  for (const [name, redactor] of [
    ["default types", createRedactor()],
    ["all types (PERSON, LOCATION on)", createRedactor({ types: PII_TYPES })],
  ] as const) {
    for (const line of SHORT_LINES.slice(0, 2000)) redactor.redactText(line);
    const short = cpuMs(() => {
      for (const line of SHORT_LINES) redactor.redactText(line);
    });
    const long = cpuMs(() => redactor.redactText(LONG_TEXT));
    rows.push(
      `| ${name} | ${(bytes / (short / 1000)).toFixed(1)} | ${(bytes / (long / 1000)).toFixed(1)} | ${((short * 1000) / SHORT_LINES.length).toFixed(2)} |`,
    );
  }
  const empty = createRedactor({ types: PII_TYPES });
  const nothing = "please see the attached notes and let us know";
  const iterations = 200_000;
  const ms = cpuMs(() => {
    for (let index = 0; index < iterations; index++) empty.redactText(nothing);
  });
  rows.push("");
  rows.push(
    `A ${nothing.length}-character string holding nothing, all types: ${((ms * 1000) / iterations).toFixed(2)} µs a call (the prefilter rules it out before any detector runs).`,
  );
  return rows.join("\n");
}

if (process.argv[1]?.endsWith("speed.ts")) console.log(speedReport());
