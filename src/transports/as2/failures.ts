// Every way an AS2 message can be refused, as a value the receiving endpoint turns into the MDN disposition
// modifier of RFC 4130 §7.4.3 (and RFC 5402 for decompression). The codes are stable: operators search logs
// and partners read MDNs by them. A refusal is about the partner's data, so it is never retryable.

export type As2FailureCode =
  /** The envelope is not for one of our certificates, its key or content cannot be decrypted, or the cipher is not one we accept. */
  | 'decryption-failed'
  /** The signature is not by the partner's configured certificate, or does not verify. */
  | 'authentication-failed'
  /** The signature verifies but the signed content changed (message-digest mismatch). */
  | 'integrity-check-failed'
  /** A CMS CompressedData layer cannot be inflated (or inflates past the size limit). */
  | 'decompression-failed'
  /** The message is not signed (or not encrypted) though the partner's configuration requires it. */
  | 'insufficient-message-security'
  /** Anything else wrong with the message: MIME that does not parse, a layer we do not know. */
  | 'unexpected-processing-error';

export interface As2Failure {
  code: As2FailureCode;
  /** For operators: what exactly was wrong. Never contains key material or payload bytes. */
  message: string;
  /** Which layer of the message, outermost first, e.g. `enveloped-data > multipart/signed`. */
  layer: string;
}

/** Thrown inside the AS2 core and caught at its entry points, which return it as an {@link As2Failure}. */
export class As2Error extends Error {
  readonly retryable = false;
  constructor(
    readonly code: As2FailureCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'As2Error';
  }
}

/** Turns whatever a layer threw into a failure value: our own errors keep their code; anything a parsing
 * library throws on malformed input becomes `fallback` with its message, never a stack trace. */
export function toFailure(error: unknown, layer: string, fallback: As2FailureCode): As2Failure {
  if (error instanceof As2Error) return { code: error.code, message: error.message, layer };
  const message = error instanceof Error ? error.message : String(error);
  return { code: fallback, message, layer };
}
