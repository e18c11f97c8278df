import { randomBytes } from "node:crypto";

/** Short random ids with a readable prefix, e.g. `chatcmpl-3f9a…`, `conv_…`. */
export function newId(prefix: string, bytes = 12): string {
  return `${prefix}${randomBytes(bytes).toString("hex")}`;
}
