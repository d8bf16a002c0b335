// The two ways an ERP lookup fails. Trouble reaching the ERP passes by itself, so it is retryable; data the ERP
// holds that cannot be read stays wrong until someone corrects it there (or the mapping), so it is not.
// The codes are chosen here only, so that a dedicated ERP code needs one change.
import { GatewayError, type ErrorCode } from '../errors.ts';

const UNAVAILABLE: ErrorCode = 'erp-unavailable';
const BAD_DATA: ErrorCode = 'erp-data-invalid';

/** The ERP cannot be reached, timed out or answered that it is busy or broken (5xx). */
export function erpUnavailable(message: string, cause?: unknown): GatewayError {
  return new GatewayError(UNAVAILABLE, message, true, cause === undefined ? undefined : { cause });
}

/** The ERP answered, but what it holds for a PO is not what the mapping says it should be. */
export function erpDataInvalid(message: string, cause?: unknown): GatewayError {
  return new GatewayError(BAD_DATA, message, false, cause === undefined ? undefined : { cause });
}

/** The ERP refused the request for a lasting reason (credentials, a query it cannot run). */
export function erpRefused(code: ErrorCode, message: string, cause?: unknown): GatewayError {
  return new GatewayError(code, message, false, cause === undefined ? undefined : { cause });
}
