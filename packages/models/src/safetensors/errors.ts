import { UserInputError } from "@seekdesk/core";

/** A checkpoint file that cannot be read as safetensors: the user gave us a bad or incomplete file. */
export class SafetensorsFormatError extends UserInputError {}
