/** Byte-level decoding steps: base64, gzip, strict UTF-8. Each returns a value or a typed failure, never throws. */
import { gunzipSync } from "node:zlib";
import type { FailureReason } from "./types";

export interface DecodeFailure {
  readonly failure: FailureReason;
  readonly detail: string;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Number of bytes a canonical base64 string decodes to, or -1 when its length cannot be canonical base64. */
function expectedDecodedLength(b64: string): number {
  const n = b64.length;
  if (n % 4 !== 0) return -1;
  let padding = 0;
  if (b64.charCodeAt(n - 1) === 61) padding = b64.charCodeAt(n - 2) === 61 ? 2 : 1;
  return (n / 4) * 3 - padding;
}

/** Value of a standard base64 character (`A–Z a–z 0–9 + /`), -1 for any other. */
function sextet(code: number): number {
  if (code >= 65 && code <= 90) return code - 65;
  if (code >= 97 && code <= 122) return code - 71;
  if (code >= 48 && code <= 57) return code + 4;
  return code === 43 ? 62 : code === 47 ? 63 : -1;
}

/**
 * Whether `b64`, which `decodeBase64` accepted as `byteLength` bytes, is exactly the canonical encoding of them, the
 * one any encoder writes: no URL-safe `-` or `_` (Buffer.from reads them like `+` and `/`) and zero padding bits. The
 * length check already ruled out skipped characters.
 */
export function isCanonicalBase64(b64: string, byteLength: number): boolean {
  if (b64.length !== Math.ceil(byteLength / 3) * 4 || b64.indexOf("-") !== -1 || b64.indexOf("_") !== -1) return false;
  const tail = byteLength % 3;
  if (tail === 0) return true;
  // One byte left: its last sextet keeps 4 padding bits; two bytes: 2.
  const last = sextet(b64.charCodeAt(b64.length - (tail === 1 ? 3 : 2)));
  return last >= 0 && (last & (tail === 1 ? 0x0f : 0x03)) === 0;
}

/**
 * Decodes Lambda's base64 `data`. Buffer.from skips characters outside the alphabet instead of failing, so a length
 * check against the canonical length catches corrupt input.
 */
export function decodeBase64(b64: string): Buffer | DecodeFailure {
  const bytes = Buffer.from(b64, "base64");
  if (bytes.length !== expectedDecodedLength(b64)) {
    return { failure: "invalid_base64", detail: "data is not canonical base64" };
  }
  return bytes;
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Gunzips (all members); `maxOutputLength` bounds the result (gzip bombs → `record_too_large`). */
export function gunzip(bytes: Buffer, maxOutputLength: number): Buffer | DecodeFailure {
  try {
    return gunzipSync(bytes, { maxOutputLength, chunkSize: 64 * 1024 });
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    if (err.code === "ERR_BUFFER_TOO_LARGE" || error instanceof RangeError) {
      return { failure: "record_too_large", detail: `gunzipped payload exceeds ${maxOutputLength} bytes` };
    }
    return { failure: "invalid_gzip", detail: err.message ?? String(error) };
  }
}

/** Strict UTF-8 (a leading BOM is dropped); invalid sequences fail instead of becoming U+FFFD. */
export function decodeUtf8(bytes: Uint8Array): string | DecodeFailure {
  try {
    return utf8.decode(bytes);
  } catch {
    return { failure: "invalid_utf8", detail: "payload is not valid UTF-8" };
  }
}
