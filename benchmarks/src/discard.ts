import { Writable } from "node:stream";

/** A writable that accepts everything at once and keeps nothing: output cost without I/O noise. */
export function discard(): Writable {
  return new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  });
}
