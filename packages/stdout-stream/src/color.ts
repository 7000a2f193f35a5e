import type { OutputStream } from "./types.js";

/**
 * Whether to colour output written to `stream`. `FORCE_COLOR` wins (as in Node's own `getColorDepth`): `0` or
 * `false` turns colour off, any other value on. Otherwise a non-empty `NO_COLOR` (no-color.org) or `TERM=dumb`
 * turns it off, and a TTY turns it on. A pipe or a file never gets escape codes unless forced.
 */
export function shouldColor(
  setting: "auto" | boolean,
  stream: OutputStream,
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  if (typeof setting === "boolean") return setting;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== "0" && force.toLowerCase() !== "false";
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.TERM === "dumb") return false;
  return stream.isTTY === true;
}

/** SGR wrappers; each piece is closed on its own so an interrupted line never leaks a style. */
export interface Palette {
  dim(text: string): string;
  cyan(text: string): string;
  red(text: string): string;
  bold(text: string): string;
}

const identity = (text: string): string => text;

const PLAIN: Palette = { dim: identity, cyan: identity, red: identity, bold: identity };

const COLORED: Palette = {
  dim: (text) => `\u001b[2m${text}\u001b[22m`,
  cyan: (text) => `\u001b[36m${text}\u001b[39m`,
  red: (text) => `\u001b[31m${text}\u001b[39m`,
  bold: (text) => `\u001b[1m${text}\u001b[22m`,
};

/** The palette for a stream: escape codes only when colour is on. */
export function paletteFor(color: boolean): Palette {
  return color ? COLORED : PLAIN;
}
