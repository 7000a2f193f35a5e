import { isIPv6 } from "node:net";
import type { Detector } from "../types.js";
import { after, before, matches, matchesAtAnchor } from "./context.js";

const OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const IPV4 = new RegExp(`(?<![\\w.])${OCTET}(?:\\.${OCTET}){3}(?![\\w]|\\.\\d)`, "g");
const NOT_PERSONAL_IPV4 = /^(?:0\.0\.0\.0|127\.\d+\.\d+\.\d+|255\.255\.255\.255)$/;
const VERSION_CONTEXT =
  /\b(?:v|version|release|build|ver\.?|rev|sdk|node|python|chrome|firefox|semver|section|chapter|clause|§|figure|fig\.|table|step|rule|article|paragraph|oid)\s{0,2}$/;

/** Colon groups end at each colon, so the groups cannot be split two ways. */
const IPV6_CANDIDATE =
  /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?:\.\d{1,3}\.\d{1,3}\.\d{1,3})?(?:%[A-Za-z0-9]{1,15})?(?![\w:])/g;

/** Two colons with at most four hex digits between them, found from each colon. */
const IPV6_HINT = /:[0-9A-Fa-f]{0,4}:/g;
const IPV6_HINT_AT = /:[0-9A-Fa-f]{0,4}:/y;

/** IPv4 (not after "version"/"v") and IPv6 addresses (validated by `node:net`; `::` and `::1` alone are not). */
export const ipAddressDetector: Detector = {
  type: "IP_ADDRESS",
  *detect(text) {
    if (text.includes(".")) {
      for (const match of matches(IPV4, text)) {
        if (VERSION_CONTEXT.test(before(text, match.index, 12))) continue;
        // The unspecified, loopback and broadcast addresses name no one's machine.
        if (NOT_PERSONAL_IPV4.test(match[0])) continue;
        yield { start: match.index, end: match.index + match[0].length, score: 0.85 };
      }
    }
    // Two colons with at most four hex digits between them: without that, no IPv6 address (and no scan).
    if (matchesAtAnchor(text, ":", IPV6_HINT_AT, IPV6_HINT)) {
      for (const match of matches(IPV6_CANDIDATE, text)) {
        const value = match[0];
        const address = value.split("%")[0] ?? "";
        if (!isIPv6(address)) continue;
        const groups = address.split(":").filter((group) => group.length > 0).length;
        if (groups < 2 || (!address.includes("::") && groups < 8 && !address.includes("."))) continue;
        yield { start: match.index, end: match.index + value.length, score: 0.85 };
      }
    }
  },
};

const MAC_SEPARATED = /(?<![\w:-])[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}(?![\w:-])/g;
const MAC_DOTTED = /(?<![\w.])[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}(?![\w.])/g;
const MAC_CONTEXT = /mac|ether|hw|hardware|device|interface|nic|adapter|bssid|wifi|wlan|eth\d/;

const MAC_SEPARATED_HINT = /[:-][0-9A-Fa-f]{2}[:-]/g;
const MAC_SEPARATED_HINT_AT = /[:-][0-9A-Fa-f]{2}[:-]/y;
const MAC_DOTTED_HINT = /\.[0-9A-Fa-f]{4}\./;

/** MAC addresses: `aa:bb:cc:dd:ee:ff`, `aa-bb-…`, and Cisco's dotted `aabb.ccdd.eeff`. */
export const macAddressDetector: Detector = {
  type: "MAC_ADDRESS",
  *detect(text) {
    // Cheap hints first: a scan that starts on a rare separator is many times faster than one that starts on
    // every hex letter of ordinary prose.
    const separated =
      matchesAtAnchor(text, ":", MAC_SEPARATED_HINT_AT, MAC_SEPARATED_HINT) ||
      matchesAtAnchor(text, "-", MAC_SEPARATED_HINT_AT, MAC_SEPARATED_HINT);
    const dotted = MAC_DOTTED_HINT.test(text);
    if (separated) yield* separatedMacs(text);
    if (!dotted) return;
    for (const match of matches(MAC_DOTTED, text)) {
      const end = match.index + match[0].length;
      // All-digit dotted triples are more often numbers than addresses; they need a context word.
      const hasLetter = /[A-Fa-f]/.test(match[0]);
      if (!hasLetter && !MAC_CONTEXT.test(before(text, match.index, 32) + after(text, end, 16))) continue;
      yield { start: match.index, end, score: 0.85 };
    }
  },
};

function* separatedMacs(text: string) {
  for (const match of matches(MAC_SEPARATED, text)) {
    yield { start: match.index, end: match.index + match[0].length, score: 0.9 };
  }
}
