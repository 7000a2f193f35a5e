import type { Subject } from "./subjects.js";

/** The chainwatch handlers, one subject each, plus all five together. Filled in as the packages land. */
export const CHAINWATCH: Subject[] = [];
