import type { Detector } from "../types.js";
import { matches } from "./context.js";

const NAME_WORD = "[A-Z][a-z'’-]{1,20}";
const NAME = `${NAME_WORD}(?: ${NAME_WORD}){0,2}`;

const TITLED = new RegExp(`\\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame)\\.? (${NAME})`, "g");
const CUED = new RegExp(
  `(?:\\b[Mm]y name is|\\b[Nn]ame is|\\b[Nn]ame: ?|\\bI am|\\bI'm|\\b[Cc]all me|\\b[Dd]ear|\\b[Rr]egards, ?\\n?|\\b[Ss]incerely, ?\\n?|\\b[Aa]sk for|\\b[Ss]igned,? ?|\\b[Cc]ustomer|\\b[Pp]atient|\\b[Ee]mployee|\\b[Cc]ontact person:? ?) (${NAME})`,
  "g",
);
const FIRST_NAMES =
  "James|John|Robert|Michael|William|David|Richard|Joseph|Thomas|Charles|Mary|Patricia|Jennifer|Linda|Elizabeth|Barbara|Susan|Jessica|Sarah|Karen|Emma|Olivia|Sophia|Liam|Noah|Lucas|Mateo|Hugo|Louis|Jean|Pierre|Marie|Anna|Hans|Klaus|Sven|Lars|Ingrid|Maria|Jose|Juan|Carlos|Ana|Luis|Priya|Rahul|Amit|Anil|Sunita|Wei|Li|Yuki|Hiroshi|Mohammed|Ahmed|Fatima|Aisha|Omar|Ali|Olga|Ivan|Dmitri|Giulia|Marco|Luca|Sofia|Chloe|Jack|Harry|Oliver|George|Amelia|Isla|Alice|Bob|Carol|Dave|Eve|Frank|Grace|Heidi";
const KNOWN_FIRST = new RegExp(`\\b(?:${FIRST_NAMES}) ${NAME_WORD}(?: ${NAME_WORD})?`, "g");
const NOT_NAMES =
  /^(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|May|June|July|August|September|October|November|December|Here|There|Sorry|Sure|Happy|Going|Not|The|This|That|Thanks|Support|Team|Customer|Service|Admin|Hello|Hi|Yes|No|Okay|Fine|Available|Back|Done|Ready|Using|Also|Just)\b/;

/**
 * Best-effort person names: after a title (Mr, Dr, …), after a cue ("my name is", "Dear", "Regards,"), or a
 * common first name followed by a capitalised surname. Heuristic: misses names with no cue and no common first
 * name, and does not know sentence-initial capitals from names. Opt-in.
 */
export const personDetector: Detector = {
  type: "PERSON",
  *detect(text) {
    for (const pattern of [TITLED, CUED]) {
      for (const match of matches(pattern, text)) {
        const name = match[1] ?? "";
        if (NOT_NAMES.test(name)) continue;
        const start = match.index + match[0].length - name.length;
        yield { start, end: start + name.length, score: 0.75 };
      }
    }
    for (const match of matches(KNOWN_FIRST, text)) {
      const words = match[0].split(" ");
      if (NOT_NAMES.test(words[1] ?? "")) continue;
      yield { start: match.index, end: match.index + match[0].length, score: 0.65 };
    }
  },
};

const STREET_SUFFIX =
  "(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Square|Sq|Parkway|Pkwy|Highway|Hwy|Strasse|Straße|Rue)";
const STREET = new RegExp(
  `\\b\\d{1,5}[A-Za-z]? (?:[A-Z][a-z]{1,20} ){1,3}${STREET_SUFFIX}\\b(?:,? (?:Apt|Suite|Unit) \\d{1,5}[A-Za-z]?)?(?:, [A-Z][a-z]{1,20}(?: [A-Z][a-z]{1,20}){0,2})?(?:,? [A-Z]{2} \\d{5}(?:-\\d{4})?)?`,
  "g",
);
const UK_POSTCODE = /\b[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}\b/g;
const PLACE_CUE = new RegExp(
  `(?:\\b[Ll]ive in|\\b[Ll]ives in|\\b[Ll]iving in|\\b[Rr]esides? in|\\b[Ll]ocated in|\\b[Bb]ased in|\\b[Mm]oved to|\\b[Bb]orn in|\\b[Aa]ddress is|\\b[Aa]ddress:) (${NAME_WORD}(?:[ -]${NAME_WORD}){0,2}(?:, ${NAME_WORD}(?: ${NAME_WORD})?)?)`,
  "g",
);

/**
 * Best-effort locations: street addresses (number, capitalised words, a street suffix, optional city and US
 * state + ZIP), UK postcodes, and places after "I live in", "based in", "address:". Opt-in.
 */
export const locationDetector: Detector = {
  type: "LOCATION",
  *detect(text) {
    for (const match of matches(STREET, text)) {
      yield { start: match.index, end: match.index + match[0].length, score: 0.8 };
    }
    for (const match of matches(UK_POSTCODE, text)) {
      yield { start: match.index, end: match.index + match[0].length, score: 0.6 };
    }
    for (const match of matches(PLACE_CUE, text)) {
      const place = match[1] ?? "";
      if (NOT_NAMES.test(place)) continue;
      const start = match.index + match[0].length - place.length;
      yield { start, end: start + place.length, score: 0.7 };
    }
  },
};
