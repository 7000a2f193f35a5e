import type { Detector, DetectorMatch } from "../types.js";

const LOCAL_MAX = 64;
const DOMAIN_MAX = 253;

function isLocalChar(code: number): boolean {
  return (
    (code >= 97 && code <= 122) ||
    (code >= 65 && code <= 90) ||
    (code >= 48 && code <= 57) ||
    code === 46 || // .
    code === 95 || // _
    code === 37 || // %
    code === 43 || // +
    code === 45 // -
  );
}

function isDomainChar(code: number): boolean {
  return (
    (code >= 97 && code <= 122) ||
    (code >= 65 && code <= 90) ||
    (code >= 48 && code <= 57) ||
    code === 45 ||
    code === 46
  );
}

/**
 * Validates the domain part and returns its usable length (trailing dots and hyphens cut), or 0. At least two
 * labels, no empty label, labels at most 63 characters, an alphabetic TLD of 2–24 letters.
 */
function domainLength(text: string, from: number, to: number): number {
  let end = to;
  while (end > from && (text.charCodeAt(end - 1) === 46 || text.charCodeAt(end - 1) === 45)) end--;
  const domain = text.slice(from, end);
  const labels = domain.split(".");
  if (labels.length < 2) return 0;
  for (const label of labels) {
    if (label.length === 0 || label.length > 63 || label.startsWith("-") || label.endsWith("-")) return 0;
  }
  const tld = labels[labels.length - 1] ?? "";
  if (!/^[A-Za-z]{2,24}$/.test(tld)) return 0;
  return end - from;
}

/**
 * Email addresses, found by scanning out from each `@` with bounded loops instead of a regex: `a@a@a…` and long
 * local parts stay linear because each `@` expands at most 64 characters left and 253 right.
 */
export const emailDetector: Detector = {
  type: "EMAIL",
  *detect(text) {
    let at = text.indexOf("@");
    let floor = 0;
    while (at !== -1) {
      let start = at;
      const leftLimit = Math.max(floor, at - LOCAL_MAX);
      while (start > leftLimit && isLocalChar(text.charCodeAt(start - 1))) start--;
      while (start < at && text.charCodeAt(start) === 46) start++;
      let end = at + 1;
      const rightLimit = Math.min(text.length, at + 1 + DOMAIN_MAX);
      while (end < rightLimit && isDomainChar(text.charCodeAt(end))) end++;
      const previous = start > 0 ? text.charCodeAt(start - 1) : 32;
      const domain = start < at ? domainLength(text, at + 1, end) : 0;
      const local = text.slice(start, at);
      // A local part of more than 64 characters is not an address (and would be unbounded to scan).
      const overlong = start === leftLimit && start > floor && isLocalChar(previous);
      // `git@github.com:org/repo`: an SSH remote (user@host:path), not an address.
      const sshRemote =
        domain > 0 &&
        text.charCodeAt(at + 1 + domain) === 58 &&
        /^:[\w~.-]+\//.test(text.slice(at + 1 + domain, at + domain + 130));
      if (domain > 0 && !overlong && !sshRemote && !local.endsWith(".") && !local.includes("..")) {
        const match: DetectorMatch = { start, end: at + 1 + domain, score: 0.95 };
        yield match;
        floor = match.end;
      }
      at = text.indexOf("@", at + 1);
    }
  },
};
