import { PassThrough } from "node:stream";
import { pino } from "pino";

/** A real pino logger writing to memory, and its parsed records. */
export function captureLogger() {
  const lines: string[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(line) });
  const records = () => lines.map((line) => JSON.parse(line) as Record<string, unknown> & { msg: string });
  return { logger, lines, records };
}

/** A writable that keeps what it is given, for the token stream. */
export function captureStream() {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk: Buffer) => {
    text += chunk.toString("utf8");
  });
  return { stream, text: () => text };
}

/** The sum of a metric's samples in Prometheus text format, optionally only those whose labels contain `match`. */
export function sumSamples(exposition: string, name: string, match = ""): number {
  let sum = 0;
  for (const line of exposition.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (match && !line.includes(match)) continue;
    sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}
