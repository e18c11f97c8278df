import { UserInputError } from "@seekdesk/core";

/** A file that is not a readable GGUF: wrong magic, unsupported version, truncated or corrupt. */
export class GgufFormatError extends UserInputError {}
