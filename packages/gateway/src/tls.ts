import { readFileSync } from "node:fs";
import { createSecureContext } from "node:tls";
import { fileErrorText, UserInputError } from "@seekdesk/core";

/** The PEM files of `server.tls`, read and checked before anything binds. */
export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

/**
 * Reads the certificate and key, and checks that they parse and belong together, so a bad file
 * stops the start with the field to fix rather than failing each client's handshake.
 */
export function readTlsFiles(tls: { certFile: string; keyFile: string }): TlsFiles {
  const read = (field: string, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new UserInputError(`server.tls.${field}: cannot read ${path}: ${fileErrorText(err)}`);
    }
  };
  const files = { cert: read("certFile", tls.certFile), key: read("keyFile", tls.keyFile) };
  try {
    createSecureContext(files);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    const hint = /mismatch/i.test(why)
      ? "the key is not the certificate's"
      : "expected a PEM certificate (chain) and its PEM private key";
    throw new UserInputError(`server.tls: cannot use ${tls.certFile} with ${tls.keyFile}: ${hint} (${why})`);
  }
  return files;
}
