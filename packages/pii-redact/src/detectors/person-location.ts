import type { Detector, DetectorMatch } from "../types.js";
import { digitRuns, matches } from "./context.js";
import { CITIES, FIRST_NAMES, LAST_NAMES } from "./lexicon-data.js";

/**
 * The name lists and the gazetteer, split into sets on first use (about 3 ms, once): a redactor without PERSON
 * or LOCATION never pays for them.
 */
let lexicon:
  | { first: Set<string>; last: Set<string>; cities: Set<string>; cityOpeners: Set<string> }
  | undefined;
function lexicons() {
  if (lexicon === undefined) {
    const cities = new Set(CITIES.split("|"));
    // The first words of cities of two words or more (`San`, `Frankfurt`): only these open a longer name.
    const cityOpeners = new Set<string>();
    for (const city of cities) if (city.includes(" ")) cityOpeners.add(city.slice(0, city.indexOf(" ")));
    lexicon = {
      first: new Set(FIRST_NAMES.split("|")),
      last: new Set(LAST_NAMES.split("|")),
      cities,
      cityOpeners,
    };
  }
  return lexicon;
}

/** A capitalised word in any script with case: `Renée`, `Müller`, `O'Neill`, `McDonald`, `Jean-Luc`, `Łukasz`. */
const WORD =
  "\\p{Lu}(?:['’]\\p{Lu})?[\\p{Ll}\\p{M}]+(?:\\p{Lu}[\\p{Ll}\\p{M}]+)?(?:[-'’]\\p{Lu}?[\\p{Ll}\\p{M}]+)*";
/** Lower-case particles inside names: `van der`, `de la`, `von`, `da`, `bin`. */
const PARTICLE = "(?:van|von|der|den|de|da|di|del|della|dos|das|du|la|le|ten|ter|bin|ibn|al|el|y|e)";
/** No letter, mark or digit on either side: a name is never cut inside a word. */
const NOT_IN_WORD_BEFORE = "(?<![\\p{L}\\p{M}\\p{N}_])";
const NOT_IN_WORD_AFTER = "(?![\\p{L}\\p{M}\\p{N}])";
/** A name word or an initial (`J.`): `J. R. R. Tolkien` is one name, not `Tolkien`. */
const NAME_PART = `(?:${WORD}|\\p{Lu}\\.)`;
const SEQUENCE = new RegExp(
  `${NOT_IN_WORD_BEFORE}${NAME_PART}(?: (?:${PARTICLE} ){0,2}${NAME_PART}){0,3}${NOT_IN_WORD_AFTER}`,
  "gu",
);
const PARTICLES = new Set(PARTICLE.slice(3, -1).split("|"));

/**
 * The capitalised word sequences of the last text scanned: PERSON and LOCATION run on the same text one after
 * the other, and both start from these, so the text is scanned once.
 */
let sequenceText: string | undefined;
let sequenceList: { index: number; value: string }[] = [];
function sequences(text: string): { index: number; value: string }[] {
  if (text === sequenceText) return sequenceList;
  const list: { index: number; value: string }[] = [];
  for (const match of matches(SEQUENCE, text)) list.push({ index: match.index, value: match[0] });
  sequenceText = text;
  sequenceList = list;
  return list;
}

/** `,` `:` `;` `.` `!` `?` `(`: cut from the end of a cue word. */
function isCuePunctuation(code: number): boolean {
  return (
    code === 44 || code === 58 || code === 59 || code === 46 || code === 33 || code === 63 || code === 40
  );
}

/** The word ending just before `end` (spaces skipped), lower-cased, trailing punctuation cut; and where it starts. */
function wordBefore(text: string, end: number): [word: string, start: number] {
  let stop = end;
  while (stop > 0 && text.charCodeAt(stop - 1) === 32) stop--;
  let begin = stop;
  // Bounded: a "word" longer than 24 characters is no cue word.
  while (begin > 0 && stop - begin < 24) {
    const code = text.charCodeAt(begin - 1);
    if (code === 32 || code === 10 || code === 9) break;
    begin--;
  }
  let cut = stop;
  while (cut > begin && isCuePunctuation(text.charCodeAt(cut - 1))) cut--;
  return [text.slice(begin, cut).toLowerCase(), begin];
}

/**
 * Whether one of the cue phrases in `set` (one to three words) ends just before `start`. The last word is looked
 * up first in `lastWords`, so most candidates cost one short slice: no regex over the text before each one.
 */
function cued(
  set: ReadonlySet<string>,
  lastWords: ReadonlySet<string>,
  text: string,
  start: number,
): boolean {
  const [one, oneStart] = wordBefore(text, start);
  if (!lastWords.has(one)) return false;
  if (set.has(one)) return true;
  const [second, twoStart] = wordBefore(text, oneStart);
  const two = `${second} ${one}`;
  if (set.has(two)) return true;
  return set.has(`${wordBefore(text, twoStart)[0]} ${two}`);
}

/** The last word of each phrase of a cue set. */
function lastWordsOf(set: ReadonlySet<string>): Set<string> {
  return new Set([...set].map((phrase) => phrase.slice(phrase.lastIndexOf(" ") + 1)));
}

/** Whether a cue after a name (`, wrote`, ` said`, ` <ann@…>`) could start at `end`: one character decides. */
function mayBeFollowedByCue(text: string, end: number): boolean {
  const next = text.charCodeAt(end) === 44 ? text.charCodeAt(end + 2) : text.charCodeAt(end + 1);
  // w(rote/rites), s(aid/ays/chrieb), a (écrit), e(scribió), h(a scritto), <
  return next === 119 || next === 115 || next === 97 || next === 101 || next === 104 || next === 60;
}

const LETTER = /\p{L}/u;
/** Whether the UTF-16 unit at `index` is a letter (a lone surrogate is not), without a regex for ASCII. */
function isLetterAt(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  if (code < 128) return (code | 32) >= 97 && (code | 32) <= 122;
  return LETTER.test(text.charAt(index));
}

/** Whether `start` begins the text or a sentence (only spaces back to `.`, `!`, `?` or a line break). */
function sentenceStart(text: string, start: number): boolean {
  let index = start - 1;
  while (index >= 0 && text.charCodeAt(index) === 32) index--;
  if (index < 0) return true;
  const code = text.charCodeAt(index);
  if (code === 46) {
    // `Dr. Ann`, `M. Dupont`: a dot after a short word is an abbreviation, not a full stop.
    // Five letters settle it: counting stops there (and ASCII letters need no regex).
    let letters = 0;
    while (letters < 5 && index - letters - 1 >= 0 && isLetterAt(text, index - letters - 1)) letters++;
    return letters === 0 || letters > 4;
  }
  return code === 33 || code === 63 || code === 10;
}

/**
 * Capitalised words that are not names even when a name list holds them (sentence starts, greetings, days,
 * months, common nouns and verbs): a sequence is trimmed of them at both ends, and never a name inside.
 */
const STOP = new Set(
  (
    "A|An|The|This|That|These|Those|It|Its|I|We|You|He|She|They|My|Our|Your|His|Her|Their|Me|Us|Him|Them|" +
    "Hi|Hello|Hey|Dear|Thanks|Thank|Cheers|Regards|Best|Kind|Sincerely|Greetings|Welcome|Bonjour|Hola|Hallo|Ciao|Salut|Grüße|Gruß|Saludos|Cordialement|Merci|Danke|Gracias|Grazie|" +
    "Yes|No|Ok|Okay|Sure|Sorry|Please|Pls|Also|Just|Still|Again|Now|Then|Here|There|When|Where|What|Why|How|Who|Which|If|But|And|Or|So|As|At|On|In|To|For|From|With|By|Of|Up|Out|Not|All|Any|Some|New|Old|Next|Last|First|Good|Great|Happy|Fine|Done|Ready|Back|Using|Use|Used|" +
    "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|May|June|July|August|September|October|November|December|Today|Tomorrow|Yesterday|Christmas|Easter|" +
    "Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Herr|Frau|Mme|Mlle|Sr|Sra|Srta|Sig|Dott|" +
    "Will|Can|Could|Would|Should|Must|May|Might|Shall|Did|Does|Do|Have|Has|Had|Is|Are|Was|Were|Be|Been|Get|Got|Let|Make|Made|See|Seen|Call|Send|Sent|Check|Note|Read|Update|Fix|Fixed|Add|Added|Run|Set|Try|" +
    "Team|Support|Customer|Service|Admin|Account|Order|Invoice|Ticket|Error|Warning|Info|Debug|Status|Request|Response|User|Users|Client|Server|Api|Data|File|Files|Page|Bug|Issue|Release|Version|Build|Test|Tests|Deploy|Logs|Log|Price|Total|" +
    "Mobile|Phone|Email|Mail|Office|Home|Work|Chat|Bot|Manager|Director|Engineer|Lead|Head|Chief|Officer|Bank|Card|Cash|Money|Payment|Refund|Shipping|Delivery|Product|Company|Inc|Ltd|Llc|Gmbh|Corp|Group|Global|International|National|General|Apple|Amazon|Microsoft|Windows|Linux|Chrome|Firefox|Safari|Android|Python|Java|Node|Docker|Kubernetes|Postgres|Redis|Slack|Teams|Zoom|Jira"
  ).split("|"),
);

/**
 * Place and business words that are also family names (`Grace Park`, `Eva Green`, `Harry Hill`): part of a name
 * only between a known given name and a known family name, so they never cut a name short.
 */
const SOFT = new Set(
  "Street|Road|Avenue|Lane|Drive|Court|Place|Square|Park|Hill|City|Town|North|South|East|West|Central|Upper|Lower|Great|Little|Saint|Mount|Lake|River|Bay|Port|Beach|Valley|Green|Bank|Cash|Price|Head|Lead|Chief".split(
    "|",
  ),
);

/** Words before a name that make it one: titles, introductions, greetings, sign-offs (several languages). */
const NAME_CUES = new Set([
  ..."mr|mrs|ms|miss|mx|dr|prof|sir|dame|herr|frau|mme|mlle|m|monsieur|madame|sr|sra|srta|señor|señora|sig|sig.ra|signor|signora|dott|dott.ssa|ing|pan|pani".split(
    "|",
  ),
  ..."my name is|name is|name|i am|i'm|im|this is|it's|its|call me|ask for|dear|regards|sincerely|best|cheers|thanks|thank you|signed|contact person|assigned to|assignee|owner|cc|hi|hello|hey|je suis|je m'appelle|moi c'est|soy|me llamo|ich bin|ich heiße|mein name ist|mi chiamo|sono|grüße|gruß|viele grüße|cordialement|saludos|un saludo|distinti saluti|met vriendelijke groet|groeten".split(
    "|",
  ),
]);
const NAME_CUE_ENDS = lastWordsOf(NAME_CUES);

/** Words after a name that make it one: `Ann Lee wrote:`, `Ann Lee <ann@…>`. */
const NAME_AFTER =
  /^(?:,?\s(?:wrote|said|says|writes|a écrit|schrieb|escribió|ha scritto)\b|\s<[^\s<>@]{1,64}@)/u;

function isNameWord(word: string): boolean {
  return !STOP.has(word);
}

/**
 * The PERSON finding of a one-word sequence, if any: the same decision as for longer sequences (below), taken
 * in the order of cost and without allocating for the commonest cases (a stop word, a word with no cue). One
 * word is a name only with a cue: a title or introduction before it, or `wrote`/`said`/an address after it.
 */
function singleWordName(
  text: string,
  start: number,
  word: string,
  first: ReadonlySet<string>,
  last: ReadonlySet<string>,
): DetectorMatch | undefined {
  const end = start + word.length;
  const mayCueAfter = mayBeFollowedByCue(text, end);
  // At a sentence start there is no cue before it.
  const atSentenceStart = sentenceStart(text, start);
  if ((atSentenceStart && !mayCueAfter) || STOP.has(word)) return undefined;
  const cue =
    (!atSentenceStart && cued(NAME_CUES, NAME_CUE_ENDS, text, start)) ||
    (mayCueAfter && NAME_AFTER.test(text.slice(end, end + 16)));
  if (!cue) return undefined;
  const knownFirst = first.has(word);
  const knownLast = last.has(word);
  // Place and business words that are also family names count only as both a given and a family name.
  if (SOFT.has(word) && !(knownFirst && knownLast)) return undefined;
  return { start, end, score: knownFirst || knownLast ? 0.75 : 0.6 };
}

/**
 * Person names, with Unicode letters (`Renée Müller` whole, never `Ren`): capitalised word sequences whose first
 * word is a known given name (about 5,000, many cultures) followed by one or more capitalised words, or whose
 * last word is a known family name (about 7,900) with a cue; any capitalised name after a title or an
 * introduction ("Dr.", "my name is", "je suis", "soy", "ich bin", "Dear", a sign-off). Heuristic: misses
 * names from outside the lists with no cue; opt-in.
 */
export const personDetector: Detector = {
  type: "PERSON",
  *detect(text) {
    const { first, last } = lexicons();
    for (const match of sequences(text)) {
      // The commonest case, one capitalised word opening a sentence ("Please", "Our"): it can only be a name
      // with a cue after it (`Anna wrote:`), so everything else is skipped before any allocation.
      if (match.value.indexOf(" ") === -1) {
        const single = singleWordName(text, match.index, match.value, first, last);
        if (single !== undefined) yield single;
        continue;
      }
      const words = match.value.split(" ");
      // Offsets of each word, to trim stop words at either end.
      let from = 0;
      let to = words.length;
      while (from < to && STOP.has(words[from] as string)) from++;
      while (to > from && (STOP.has(words[to - 1] as string) || PARTICLES.has(words[to - 1] as string))) to--;
      if (from >= to) continue;
      const kept = words.slice(from, to);
      const names = kept.filter((word) => !PARTICLES.has(word));
      if (names.length === 0 || names.length > 4 || !names.every(isNameWord)) continue;
      const soft = names.some((word) => SOFT.has(word));
      // Offsets from word lengths (words are one space apart), without joining them again.
      let start = match.index;
      for (let index = 0; index < from; index++) start += (words[index] as string).length + 1;
      let end = start - 1;
      for (let index = from; index < to; index++) end += (words[index] as string).length + 1;
      const knownFirst = first.has(names[0] as string);
      const knownLast = last.has(names[names.length - 1] as string);
      if (soft && !(knownFirst && knownLast)) continue;
      if (names.length >= 2 && knownFirst) {
        yield { start, end, score: knownLast ? 0.85 : 0.7 };
        continue;
      }
      // A cue precedes the name in its sentence: at a sentence start there is none to look for.
      // Only with a cue can it still be a name: two or more words ending in a family name, or up to three.
      if (!(names.length >= 2 && knownLast) && names.length > 3) continue;
      const cue =
        (!sentenceStart(text, start) && cued(NAME_CUES, NAME_CUE_ENDS, text, start)) ||
        NAME_AFTER.test(text.slice(end, end + 16));
      let score = 0;
      if (names.length >= 2 && knownLast && cue) score = 0.7;
      else if (cue && names.length <= 3) score = knownFirst || knownLast || names.length >= 2 ? 0.75 : 0.6;
      if (score > 0) yield { start, end, score };
    }
  },
};

// ---------------------------------------------------------------- locations

/** A capitalised word of a street or city name (`Müllerstraße`, `Saint-Étienne`, `E`, `St.`). */
const CAP = "\\p{Lu}[\\p{L}\\p{M}'’-]*\\.?";
/** Lower-case connectors inside street and city names. */
const LINK =
  "(?:de|del|de la|des|du|di|della|dei|degli|da|do|dos|das|van|von|der|den|la|le|les|el|y|e|am|an|im|zum|zur|auf|sur|sous|en|of|on|upon)";
/** `Rue|Via` → `(?:[Rr]ue|[Vv]ia)`: French and Spanish write street types in lower case. */
function bothCases(alternatives: string): string {
  return `(?:${alternatives
    .split("|")
    .map((word) => {
      const head = word.charAt(0);
      return head.toLowerCase() === head ? word : `[${head}${head.toLowerCase()}]${word.slice(1)}`;
    })
    .join("|")})`;
}

/** Street types written before the name (FR, ES, IT, PT, PL, RO, NL, and `Via`/`Rue` everywhere). */
const TYPE_FIRST = bothCases(
  "Rue|Avenue|Av\\.|Boulevard|Bd|Bld|Chemin|Impasse|Allée|Place|Quai|Cours|Route|Passage|Square|Sentier|Voie|Calle|C/|Avenida|Avda\\.?|Plaza|Paseo|Carrer|Camino|Carretera|Ronda|Travesía|Glorieta|Callejón|Via|Viale|Piazza|Piazzale|Corso|Largo|Vicolo|Strada|Contrada|Borgo|Rua|Travessa|Praça|Estrada|Alameda|Ulica|ul\\.|Aleja|al\\.|Plac|Osiedle|os\\.|Calea|Bulevardul|Str\\.|Strada|Piața",
);
/** Street types written after the name (US, UK, IE, AU, CA). */
const TYPE_LAST =
  "(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Ter|Square|Sq|Parkway|Pkwy|Highway|Hwy|Boulevard|Blvd|Close|Crescent|Cres|Gardens|Gdns|Grove|Gr|Hill|Mews|Row|Walk|Circle|Cir|Trail|Trl|Plaza|Park|Rise|Green|Alley|Bend|Bridge|Causeway|Centre|Center|Common|Commons|Corner|Cove|Creek|Crest|Crossing|Dale|Estate|Expressway|Extension|Falls|Ferry|Field|Fields|Ford|Forest|Fork|Freeway|Gate|Gateway|Glen|Harbor|Harbour|Haven|Heights|Hollow|Island|Junction|Knoll|Landing|Loop|Mall|Manor|Meadow|Meadows|Mill|Mills|Motorway|Orchard|Oval|Parade|Pass|Path|Pike|Point|Port|Ridge|Route|Run|Shore|Shores|Spring|Springs|Station|Summit|Trace|Track|Turnpike|Valley|Via|View|Villas|Vista|Wharf|Wood|Woods|Yard)";
/** Compound street names (DE, AT, CH, NL, Nordic): `Hauptstraße`, `Pregelstr.`, `Kerkstraat`, `Storgatan`. */
const COMPOUND =
  "\\p{Lu}[\\p{L}\\p{M}-]*(?:straße|strasse|str\\.|weg|gasse|platz|allee|ring|damm|ufer|chaussee|pfad|steig|markt|graben|zeile|steg|straat|laan|gracht|plein|kade|singel|dijk|dreef|steeg|hof|gatan|vägen|gata|gade|vej|veien|vegen|gate|katu|tie|utca|út|tér)";
/** A house number: `12`, `12a`, `12 B`, `12-14`, `3/5`, `s/n`. */
const HOUSE = "(?:\\d{1,5}(?:\\s?[A-Za-z](?![\\p{L}\\p{M}]))?(?:[-/]\\d{1,4})?|s/n)";
const NAME_WORDS = `${CAP}(?: (?:${LINK} ){0,2}${CAP}){0,3}`;

/** Number before the street: `1600 Amphitheatre Parkway`, `12 rue de la Paix`, `8067 E Maple Street`. */
const NUMBER_FIRST = `\\d{1,5}[A-Za-z]?,? (?:${TYPE_FIRST} (?:${LINK} ){0,2}${NAME_WORDS}|(?:${CAP} ){1,3}${TYPE_LAST}(?![\\p{L}\\p{M}]))`;
/** Number after the street: `Hauptstraße 12`, `Calle Mayor 3`, `Via Roma 10`, `ul. Długa 5`. */
const NUMBER_AFTER = `(?:${COMPOUND}|${TYPE_FIRST} (?:${LINK} ){0,2}${NAME_WORDS}),? ${HOUSE}`;
const STREET = new RegExp(
  `${NOT_IN_WORD_BEFORE}(?:${NUMBER_FIRST}|${NUMBER_AFTER})(?:,? (?:Apt|Apartment|Suite|Ste|Unit|Flat|Wohnung|Whg|Piso|Bajo|Escalera|Esc|Int|Interno|Scala|Bus|Bte|Etage|App)\\.? ?[\\dA-Za-z]{1,5})?${NOT_IN_WORD_AFTER}`,
  "gu",
);
/** Postcodes: DE/FR/ES/IT/US 5 digits, NL `1012 AB`, 4 digits (AT, CH, BE, DK, NO), PL `00-950`, PT `1000-001`. */
const POSTCODE = "(?:\\d{4} ?[A-Z]{2}(?![\\p{L}])|\\d{2}-\\d{3}|\\d{4}-\\d{3}|\\d{5}|\\d{4})";
const UK_POSTCODE_SOURCE = "[A-Z]{1,2}\\d[A-Z\\d]? \\d[A-Z]{2}";
const CITY_NAME = `${CAP}(?:[ -](?:${LINK}[ -]){0,2}${CAP}){0,3}`;
/** What follows a street: `, 10115 Berlin`, `, Springfield, IL 62704`, `, London SW1A 2AA`, `75001 Paris`. */
const ADDRESS_TAIL = new RegExp(
  `(?:,? ${POSTCODE} ${CITY_NAME}|, ${CITY_NAME}(?:,? (?:[A-Z]{2} \\d{5}(?:-\\d{4})?|${UK_POSTCODE_SOURCE}))?)${NOT_IN_WORD_AFTER}`,
  "uy",
);
const HAS_DIGIT = /\d/;
/** A UK postcode, sticky: tried only just before a digit run that follows a capital (see {@link ukPostcodes}). */
const UK_POSTCODE_AT = new RegExp(`\\b${UK_POSTCODE_SOURCE}\\b`, "y");

/**
 * UK postcodes (`SW1A 2AA`), as a global scan finds them, tried only one or two characters before each digit
 * run that follows a capital: a postcode's first digit opens a run right after its one or two letters.
 */
function* ukPostcodes(text: string): Generator<DetectorMatch> {
  const runs = digitRuns(text);
  let free = 0;
  for (let index = 0; index < runs.length; index += 2) {
    const runStart = runs[index] as number;
    const previous = text.charCodeAt(runStart - 1);
    if (!(previous >= 65 && previous <= 90)) continue;
    for (let at = Math.max(free, runStart - 2); at < runStart; at++) {
      UK_POSTCODE_AT.lastIndex = at;
      const match = UK_POSTCODE_AT.exec(text);
      if (match === null) continue;
      free = at + match[0].length;
      yield { start: at, end: free, score: 0.6 };
      break;
    }
  }
}
/** Phrases after which any capitalised name is a place: `I live in`, `based in`, `address:`. */
const PLACE_CUES = new Set(
  "live in|lives in|living in|reside in|resides in|located in|based in|moved to|moving to|born in|address is|address|adresse|dirección|indirizzo|wohne in|j'habite à|vivo en|abito a".split(
    "|",
  ),
);
/** Words after which a gazetteer city is a place: `in Lyon`, `from Kraków`, `nach München`. */
const CITY_CUES = new Set(
  "in|from|to|near|at|around|outside|visiting|visit|via|aus|nach|bei|von|à|au|en|de|desde|hacia|para|da|di|a|naar|uit|bij|w|z|ze|do|och|i|från|til|fra|office|branch|store|warehouse|hq".split(
    "|",
  ),
);
const PLACE_CUE_ENDS = lastWordsOf(PLACE_CUES);
const CITY_CUE_ENDS = lastWordsOf(CITY_CUES);

/** Cities with common words for names: found only in an address or after a place cue. */
const CITY_WORDS = new Set([
  "Mobile",
  "Nice",
  "Reading",
  "Split",
  "Bath",
  "Orange",
  "Marathon",
  "Delta",
  "Mercedes",
  "Opportunity",
  "Of",
  "Police",
  "Independence",
  "Victoria",
  "Florence",
  "Charlotte",
  "Jackson",
  "Lincoln",
  "Hamilton",
  "Eugene",
  "Tyler",
  "Warren",
  "Irving",
  "Aurora",
  "Phoenix",
  "Columbia",
  "Concord",
  "Providence",
  "Temple",
  "Hope",
  "Sale",
  "Deal",
  "Wells",
  "March",
  "Bar",
  "Best",
  "Gap",
  "Mission",
  "Plano",
]);

/** How far a street's words reach from its house number, either way. */
const STREET_REACH = 120;

/**
 * Street addresses, scanned only in windows around digit runs (every address has its house number): the large
 * street pattern never runs over prose that holds no digit, which is most of any long text.
 */
function* streets(text: string): Generator<DetectorMatch> {
  const runs = digitRuns(text);
  let next = 0;
  // Text before `scanned` has been searched; a digit run reaching past it is taken from there on.
  let scanned = 0;
  for (;;) {
    while (next < runs.length && (runs[next + 1] as number) <= scanned) next += 2;
    if (next >= runs.length) return;
    const runStart = Math.max(runs[next] as number, scanned);
    let to = Math.min(text.length, (runs[next + 1] as number) + STREET_REACH);
    next += 2;
    let from = Math.max(scanned, runStart - STREET_REACH);
    // Grow the window while more digits follow within reach, so one address is never split across two.
    for (; next < runs.length && (runs[next] as number) < to; next += 2)
      to = Math.min(text.length, (runs[next + 1] as number) + STREET_REACH);
    // Whole words at both ends (bounded), so the window's edges do not cut one.
    for (let step = 0; step < 24 && from > scanned && text.charCodeAt(from - 1) !== 32; step++) from--;
    for (let step = 0; step < 24 && to < text.length && text.charCodeAt(to) !== 32; step++) to++;
    const window = text.slice(from, to);
    for (const match of matches(STREET, window)) {
      const start = from + match.index;
      let end = start + match[0].length;
      ADDRESS_TAIL.lastIndex = end;
      const tail = ADDRESS_TAIL.exec(text);
      if (tail !== null) end += tail[0].length;
      yield { start, end, score: 0.8 };
      if (end - from > STREET.lastIndex) STREET.lastIndex = Math.min(window.length, end - from);
    }
    scanned = to;
  }
}

/** The number of words of a sequence (one space apart). */
function wordsIn(value: string): number {
  let count = 1;
  for (let at = value.indexOf(" "); at !== -1; at = value.indexOf(" ", at + 1)) count++;
  return count;
}

/** Where the first `count` words of a sequence end (words one space apart). */
function endOfWords(value: string, count: number): number {
  let end = -1;
  for (let index = 0; index < count; index++) {
    end = value.indexOf(" ", end + 1);
    if (end === -1) return value.length;
  }
  return end;
}

/**
 * Best-effort locations with Unicode letters: street addresses of the US, UK, DE, FR, ES, IT, NL and more
 * (number before or after the street, a street type before, after or inside the name, then a postcode before or
 * after the city), UK postcodes, places after "I live in", "based in", "address:", and cities from a gazetteer
 * (13,000 places of 30,000 people or more, GeoNames) after a preposition. Opt-in.
 */
export const locationDetector: Detector = {
  type: "LOCATION",
  *detect(text) {
    // Every street address and UK postcode has a digit.
    const digits = HAS_DIGIT.test(text);
    if (digits) yield* streets(text);
    if (digits) yield* ukPostcodes(text);
    const { cities, cityOpeners } = lexicons();
    for (const match of sequences(text)) {
      const value = match.value;
      const firstSpace = value.indexOf(" ");
      const single = firstSpace === -1;
      // A single word at a sentence start has no cue before it; then only a known city name matters.
      if (single && sentenceStart(text, match.index)) continue;
      if (single && !cities.has(value) && !cued(PLACE_CUES, PLACE_CUE_ENDS, text, match.index)) continue;
      const firstWord = single ? value : value.slice(0, firstSpace);
      if (!STOP.has(firstWord) && cued(PLACE_CUES, PLACE_CUE_ENDS, text, match.index)) {
        // After "I live in": the place, up to four words.
        yield { start: match.index, end: match.index + value.length, score: 0.7 };
        continue;
      }
      // The longest run of leading words that is a known city: `San Francisco`, `Frankfurt am Main`. Only a
      // word that opens a city of several words can open a longer one: otherwise the first word alone.
      const wordCount = single ? 1 : wordsIn(value);
      for (let count = cityOpeners.has(firstWord) ? Math.min(wordCount, 4) : 1; count >= 1; count--) {
        const name = count === wordCount ? value : value.slice(0, endOfWords(value, count));
        if (!cities.has(name) || CITY_WORDS.has(name) || STOP.has(name)) continue;
        if (cued(CITY_CUES, CITY_CUE_ENDS, text, match.index) || text.charCodeAt(match.index - 2) === 44)
          yield { start: match.index, end: match.index + name.length, score: 0.65 };
        break;
      }
    }
  },
};
