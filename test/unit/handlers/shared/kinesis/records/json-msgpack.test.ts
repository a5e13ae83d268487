// The fluent map-mode encoder: MessagePack straight from the JSON text (issue 10, case 5).
import { decode } from "@msgpack/msgpack";
import fc from "fast-check";
import { type ByteWriter, jsonToMsgpack } from "../../../../../../handlers/shared/kinesis/records/json-msgpack";

function writer(): ByteWriter {
  return {
    buf: Buffer.alloc(16),
    length: 0,
    ensure(extra: number) {
      if (this.length + extra <= this.buf.length) return;
      const next = Buffer.alloc(Math.max(this.buf.length * 2, this.length + extra));
      this.buf.copy(next, 0, 0, this.length);
      this.buf = next;
    },
  };
}
const encode = (text: string, extra?: [string, string][]) => {
  const w = writer();
  jsonToMsgpack(text, w, { extra });
  return w.buf.subarray(0, w.length);
};

describe("jsonToMsgpack", () => {
  it("decodes to what JSON.parse reads, for any JSON value in any layout", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(undefined, 1, 2, "\t"), (value, indent) => {
        // Prepare
        const text = JSON.stringify(value, null, indent);

        // Act
        const decoded = decode(encode(text));

        // Assess
        expect(decoded).toEqual(JSON.parse(text));
      }),
      { numRuns: 400, seed: 10 },
    );
  });

  it("widens container headers past 15 and 65,535 entries", () => {
    // Prepare
    const map = JSON.stringify(Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i])));
    const array = JSON.stringify(Array.from({ length: 70_000 }, (_, i) => i % 7));

    // Act / Assess
    expect(encode(map)[0]).toBe(0xde);
    expect(decode(encode(map))).toEqual(JSON.parse(map));
    expect(encode(array)[0]).toBe(0xdd);
    expect(decode(encode(array))).toEqual(JSON.parse(array));
  });

  it("keeps integer width and float-ness as written, and appends extra members to the root map", () => {
    // Act
    const bytes = encode('{"u":18446744073709551615,"i":-1,"f":2.0,"e":1E2}', [["_mark", "x"]]);

    // Assess
    expect(bytes.toString("hex")).toBe(
      `85a175cf${"ff".repeat(8)}a169ffa166cb${"4000000000000000"}a165cb${"4059000000000000"}a55f6d61726ba178`,
    );
  });

  it("refuses nesting deeper than maxDepth with a RangeError, without recursion", () => {
    // Act / Assess
    expect(() => jsonToMsgpack(`${"[".repeat(600)}${"]".repeat(600)}`, writer())).toThrow(RangeError);
    expect(() =>
      jsonToMsgpack(`${"[".repeat(100_000)}${"]".repeat(100_000)}`, writer(), { maxDepth: 200_000 }),
    ).not.toThrow();
  });
});
