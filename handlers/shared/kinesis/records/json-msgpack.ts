/**
 * JSON text → MessagePack, walking the original text (never `JSON.parse` + re-encode), so numbers keep what the text
 * says. The exact mapping:
 *
 * | JSON token                                   | MessagePack                                              |
 * | -------------------------------------------- | -------------------------------------------------------- |
 * | object / array                               | map / array (smallest header), members in text order     |
 * | string                                       | str (UTF-8), escapes decoded                             |
 * | integer token (no `.`, `e`, `E`) in int64/uint64 | the smallest int (positive fixint … uint64 / int64)  |
 * | `-0`                                         | float 64 `-0.0` (an int cannot hold the sign)            |
 * | integer token beyond uint64 / below int64    | float 64 (nearest double)                                |
 * | token with `.`, `e` or `E` (`1.0`, `-0.0`, `1e3`) | float 64, always (float-ness kept)                  |
 * | `true` / `false` / `null`                    | true / false / nil                                       |
 *
 * Duplicate keys are kept in order (a map with both; Fluentd's Ruby decoder keeps the last, as `JSON.parse` does).
 * The input must be valid JSON (the pipeline has parsed it); nesting deeper than `maxDepth` throws a RangeError.
 * Iterative: no recursion, whatever the depth.
 */

/** A growable byte buffer the encoder appends to. */
export interface ByteWriter {
  buf: Buffer;
  length: number;
  ensure(extra: number): void;
}

const MAX_UINT64 = (1n << 64n) - 1n;
const MIN_INT64 = -(1n << 63n);

/** Appends `s` as a MessagePack str (UTF-8, smallest header). */
export function writeStr(w: ByteWriter, s: string): void {
  const n = s.length;
  // Fast path: short ASCII-only strings.
  if (n < 32) {
    let ascii = true;
    for (let i = 0; i < n; i++) {
      if (s.charCodeAt(i) > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      w.ensure(1 + n);
      const b = w.buf;
      let p = w.length;
      b[p++] = 0xa0 | n;
      for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
      w.length = p;
      return;
    }
  }
  const bytes = Buffer.byteLength(s, "utf8");
  w.ensure(5 + bytes);
  const b = w.buf;
  let p = w.length;
  if (bytes < 32) b[p++] = 0xa0 | bytes;
  else if (bytes < 0x100) {
    b[p++] = 0xd9;
    b[p++] = bytes;
  } else if (bytes < 0x10000) {
    b[p++] = 0xda;
    b.writeUInt16BE(bytes, p);
    p += 2;
  } else {
    b[p++] = 0xdb;
    b.writeUInt32BE(bytes, p);
    p += 4;
  }
  p += b.write(s, p, bytes, "utf8");
  w.length = p;
}

function writeFloat64(w: ByteWriter, value: number): void {
  w.ensure(9);
  w.buf[w.length] = 0xcb;
  w.buf.writeDoubleBE(value, w.length + 1);
  w.length += 9;
}

/** A safe integer in the smallest MessagePack int. */
function writeInt(w: ByteWriter, n: number): void {
  w.ensure(9);
  const b = w.buf;
  let p = w.length;
  if (n >= 0) {
    if (n < 0x80) b[p++] = n;
    else if (n < 0x100) {
      b[p++] = 0xcc;
      b[p++] = n;
    } else if (n < 0x10000) {
      b[p++] = 0xcd;
      b.writeUInt16BE(n, p);
      p += 2;
    } else if (n < 0x1_0000_0000) {
      b[p++] = 0xce;
      b.writeUInt32BE(n, p);
      p += 4;
    } else {
      b[p++] = 0xcf;
      b.writeUInt32BE(Math.floor(n / 0x1_0000_0000), p);
      b.writeUInt32BE(n >>> 0, p + 4);
      p += 8;
    }
  } else if (n >= -32) b[p++] = n & 0xff;
  else if (n >= -0x80) {
    b[p++] = 0xd0;
    b.writeInt8(n, p);
    p += 1;
  } else if (n >= -0x8000) {
    b[p++] = 0xd1;
    b.writeInt16BE(n, p);
    p += 2;
  } else if (n >= -0x8000_0000) {
    b[p++] = 0xd2;
    b.writeInt32BE(n, p);
    p += 4;
  } else {
    b[p++] = 0xd3;
    b.writeBigInt64BE(BigInt(n), p);
    p += 8;
  }
  w.length = p;
}

function writeNumberToken(w: ByteWriter, token: string): void {
  let isFloat = false;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c === 46 || c === 101 || c === 69) {
      isFloat = true;
      break;
    }
  }
  if (isFloat) {
    writeFloat64(w, Number(token));
    return;
  }
  if (token.length <= 15) {
    const n = Number(token);
    if (n === 0 && token.charCodeAt(0) === 45) writeFloat64(w, -0);
    else writeInt(w, n);
    return;
  }
  const big = BigInt(token);
  if (big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER)) {
    writeInt(w, Number(big));
  } else if (big > 0n && big <= MAX_UINT64) {
    w.ensure(9);
    w.buf[w.length] = 0xcf;
    w.buf.writeBigUInt64BE(big, w.length + 1);
    w.length += 9;
  } else if (big < 0n && big >= MIN_INT64) {
    w.ensure(9);
    w.buf[w.length] = 0xd3;
    w.buf.writeBigInt64BE(big, w.length + 1);
    w.length += 9;
  } else writeFloat64(w, Number(token));
}

/** Rewrites the placeholder header byte at `at` for a container of `count` entries, widening it when needed. */
function closeContainer(w: ByteWriter, at: number, isMap: boolean, count: number): void {
  if (count < 16) {
    w.buf[at] = (isMap ? 0x80 : 0x90) | count;
    return;
  }
  const wide = count < 0x10000 ? 2 : 4;
  w.ensure(wide);
  const b = w.buf;
  b.copyWithin(at + 1 + wide, at + 1, w.length);
  w.length += wide;
  if (wide === 2) {
    b[at] = isMap ? 0xde : 0xdc;
    b.writeUInt16BE(count, at + 1);
  } else {
    b[at] = isMap ? 0xdf : 0xdd;
    b.writeUInt32BE(count, at + 1);
  }
}

/**
 * Appends the MessagePack encoding of the JSON `text` to `w`. `extra` members (string keys and values) are added at
 * the end of the root object (used to mark a document). Returns the number of bytes written.
 */
export function jsonToMsgpack(
  text: string,
  w: ByteWriter,
  options: { readonly maxDepth?: number; readonly extra?: readonly (readonly [string, string])[] } = {},
): number {
  const maxDepth = options.maxDepth ?? 512;
  const start = w.length;
  const n = text.length;
  // Parallel stacks: header position, is-map, entry count (map: keys + values).
  const headers: number[] = [];
  const isMap: boolean[] = [];
  const counts: number[] = [];
  let depth = 0;
  let i = 0;
  // Position of the next backslash at or after `i` (-1: none left), found lazily so the text is scanned once.
  let nextBackslash = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 10 || c === 13 || c === 9 || c === 44 || c === 58 || c === 0xfeff) {
      i++;
      continue;
    }
    if (c === 125 || c === 93) {
      depth--;
      if (depth === 0 && isMap[0] && options.extra) {
        for (const [key, value] of options.extra) {
          writeStr(w, key);
          writeStr(w, value);
          counts[0]! += 2;
        }
      }
      closeContainer(w, headers[depth]!, isMap[depth]!, isMap[depth] ? counts[depth]! / 2 : counts[depth]!);
      i++;
      continue;
    }
    if (depth > 0) counts[depth - 1]!++;
    if (c === 34) {
      // string: the next quote ends it unless a backslash comes first (then walk the escapes)
      let j = text.indexOf('"', i + 1);
      if (j === -1) throw new SyntaxError("unterminated string");
      if (nextBackslash !== -1 && nextBackslash <= i) nextBackslash = text.indexOf("\\", i + 1);
      if (nextBackslash === -1 || nextBackslash > j) {
        writeStr(w, text.slice(i + 1, j));
      } else {
        j = nextBackslash;
        for (;;) {
          const d = text.charCodeAt(j);
          if (d === 34) break;
          j += d === 92 ? 2 : 1;
          if (j >= n) throw new SyntaxError("unterminated string");
        }
        writeStr(w, JSON.parse(text.slice(i, j + 1)) as string);
      }
      i = j + 1;
    } else if (c === 123 || c === 91) {
      if (depth >= maxDepth) throw new RangeError(`nesting deeper than ${maxDepth}`);
      w.ensure(1);
      headers[depth] = w.length;
      isMap[depth] = c === 123;
      counts[depth] = 0;
      w.length++;
      depth++;
      i++;
    } else if (c === 116) {
      w.ensure(1);
      w.buf[w.length++] = 0xc3;
      i += 4;
    } else if (c === 102) {
      w.ensure(1);
      w.buf[w.length++] = 0xc2;
      i += 5;
    } else if (c === 110) {
      w.ensure(1);
      w.buf[w.length++] = 0xc0;
      i += 4;
    } else {
      let j = i + 1;
      for (; j < n; j++) {
        const d = text.charCodeAt(j);
        if (!((d >= 48 && d <= 57) || d === 46 || d === 101 || d === 69 || d === 43 || d === 45)) break;
      }
      writeNumberToken(w, text.slice(i, j));
      i = j;
    }
  }
  return w.length - start;
}
