import { Writable } from "node:stream";
import { type FakeOpenAI, type FakeScript, startFakeOpenAI } from "@chainwatch/testkit";
import { afterAll, beforeAll } from "vitest";

/** A real writable that keeps what it is given. `isTTY` makes it look like a terminal. */
export class CaptureStream extends Writable {
  readonly chunks: string[] = [];
  isTTY: boolean;

  constructor(options: { isTTY?: boolean; highWaterMark?: number; delayMs?: number } = {}) {
    super({ decodeStrings: false, highWaterMark: options.highWaterMark ?? 16 * 1024 });
    this.isTTY = options.isTTY ?? false;
    this.delayMs = options.delayMs ?? 0;
  }

  private readonly delayMs: number;

  override _write(chunk: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.chunks.push(String(chunk));
    if (this.delayMs > 0) setTimeout(callback, this.delayMs);
    else callback();
  }

  get text(): string {
    return this.chunks.join("");
  }
}

/** A writable whose every write fails. */
export function failingStream(): Writable {
  return new Writable({
    write(_chunk, _encoding, callback) {
      callback(new Error("sink down"));
    },
  });
}

/** A writable that discards everything (for errorOutput in tests that do not look at it). */
export function nullStream(): Writable {
  return new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  });
}

/** One fake OpenAI server for a test file, closed after it. */
export function useFakeServer(script?: FakeScript): { server: () => FakeOpenAI } {
  let server: FakeOpenAI | undefined;
  beforeAll(async () => {
    server = await startFakeOpenAI(script);
  });
  afterAll(async () => {
    await server?.close();
  });
  return {
    server: () => {
      if (!server) throw new Error("server not started");
      return server;
    },
  };
}

/** Removes ANSI escape sequences. */
export function stripAnsi(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching escape codes is the point
  return text.replace(/\u001b\[[0-9;]*m/g, "");
}
