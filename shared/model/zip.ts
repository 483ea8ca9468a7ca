/**
 * ZIP archives as Linear Learner's `model_algo-1` holds them (SPEC §12.4: a ZIP, method stored, of
 * `mx-mod-symbol.json`, `mx-mod-0000.params`, `manifest.json`, `additional-params.json`). The
 * reader walks the central directory (found from the end-of-central-directory record) and takes
 * stored and deflated members, checking each CRC-32; the writer stores. No I/O.
 *
 * Layout (APPNOTE 6.3): local header `PK\3\4` (30 bytes + name + extra) + data, …; central
 * directory `PK\1\2` (46 bytes + name + extra + comment) per member; end record `PK\5\6` (22 bytes
 * + comment) giving the directory's offset and entry count.
 */
import { inflateRawSync } from 'node:zlib';
import { ModelFormatError } from '../errors';

/** One member of a ZIP archive. */
export interface ZipEntry {
  readonly name: string;
  readonly data: Uint8Array;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO-HDLC, as ZIP and gzip use). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** True when the bytes start with a ZIP local file header (`PK\3\4`) or an empty archive's end record. */
export function isZip(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 &&
    bytes[0] === 0x50 &&
    bytes[1] === 0x4b &&
    ((bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6))
  );
}

/**
 * Reads every member of a ZIP archive.
 *
 * @throws {ModelFormatError} for a missing end record, offsets outside the archive, an unsupported
 *   compression method or a CRC mismatch.
 */
export function readZip(bytes: Uint8Array, source = 'ZIP archive'): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (message: string): never => {
    throw new ModelFormatError(`${source}: ${message}`);
  };
  let end = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) fail('not a ZIP archive (no end-of-central-directory record)');
  const count = view.getUint16(end + 10, true);
  const dirSize = view.getUint32(end + 12, true);
  let p = view.getUint32(end + 16, true);
  if (p + dirSize > end) fail(`central directory at ${p} (+${dirSize}) runs past its end record at ${end}`);
  const utf8 = new TextDecoder('utf-8');
  const entries: ZipEntry[] = [];
  for (let n = 0; n < count; n++) {
    if (p + 46 > end || view.getUint32(p, true) !== 0x02014b50)
      fail(`central directory entry ${n} is corrupt`);
    const method = view.getUint16(p + 10, true);
    const crc = view.getUint32(p + 16, true);
    const compressed = view.getUint32(p + 20, true);
    const size = view.getUint32(p + 24, true);
    const nameLength = view.getUint16(p + 28, true);
    const extraLength = view.getUint16(p + 30, true);
    const commentLength = view.getUint16(p + 32, true);
    const local = view.getUint32(p + 42, true);
    if (p + 46 + nameLength > end) fail(`central directory entry ${n} name runs past the directory`);
    const name = utf8.decode(bytes.subarray(p + 46, p + 46 + nameLength));
    p += 46 + nameLength + extraLength + commentLength;
    if (local + 30 > bytes.length || view.getUint32(local, true) !== 0x04034b50) {
      fail(`member '${name}' has no local header at offset ${local}`);
    }
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    if (start + compressed > bytes.length) fail(`member '${name}' (${compressed} bytes) is truncated`);
    const raw = bytes.subarray(start, start + compressed);
    let data: Uint8Array;
    if (method === 0) data = raw;
    else if (method === 8) {
      try {
        const out = inflateRawSync(raw);
        data = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
      } catch (error) {
        throw new ModelFormatError(
          `${source}: member '${name}' does not inflate: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
      }
    } else
      return fail(
        `member '${name}' uses compression method ${method}; only stored (0) and deflate (8) are read`,
      );
    if (data.length !== size) fail(`member '${name}' is ${data.length} bytes, its directory says ${size}`);
    if (crc32(data) !== crc) fail(`member '${name}' fails its CRC-32 check`);
    entries.push({ name, data });
  }
  return entries;
}

/** A ZIP archive of `entries`, stored (method 0), DOS time 1980-01-01 00:00 so equal input gives equal bytes. */
export function writeZip(entries: readonly ZipEntry[]): Uint8Array {
  const encoder = new TextEncoder();
  const names = entries.map((e) => encoder.encode(e.name));
  const localSize = entries.reduce((s, e, i) => s + 30 + names[i]!.length + e.data.length, 0);
  const dirSize = names.reduce((s, n) => s + 46 + n.length, 0);
  const out = new Uint8Array(localSize + dirSize + 22);
  const view = new DataView(out.buffer);
  const offsets: number[] = [];
  const crcs = entries.map((e) => crc32(e.data));
  let o = 0;
  entries.forEach((entry, i) => {
    offsets.push(o);
    view.setUint32(o, 0x04034b50, true);
    view.setUint16(o + 4, 20, true);
    view.setUint16(o + 6, 0x0800, true); // UTF-8 names
    view.setUint16(o + 8, 0, true);
    view.setUint16(o + 10, 0, true);
    view.setUint16(o + 12, 0x21, true);
    view.setUint32(o + 14, crcs[i]!, true);
    view.setUint32(o + 18, entry.data.length, true);
    view.setUint32(o + 22, entry.data.length, true);
    view.setUint16(o + 26, names[i]!.length, true);
    view.setUint16(o + 28, 0, true);
    out.set(names[i]!, o + 30);
    out.set(entry.data, o + 30 + names[i]!.length);
    o += 30 + names[i]!.length + entry.data.length;
  });
  const dirStart = o;
  entries.forEach((entry, i) => {
    view.setUint32(o, 0x02014b50, true);
    view.setUint16(o + 4, 20, true);
    view.setUint16(o + 6, 20, true);
    view.setUint16(o + 8, 0x0800, true);
    view.setUint16(o + 10, 0, true);
    view.setUint16(o + 12, 0, true);
    view.setUint16(o + 14, 0x21, true);
    view.setUint32(o + 16, crcs[i]!, true);
    view.setUint32(o + 20, entry.data.length, true);
    view.setUint32(o + 24, entry.data.length, true);
    view.setUint16(o + 28, names[i]!.length, true);
    view.setUint32(o + 38, 0o100644 << 16, true);
    view.setUint32(o + 42, offsets[i]!, true);
    out.set(names[i]!, o + 46);
    o += 46 + names[i]!.length;
  });
  view.setUint32(o, 0x06054b50, true);
  view.setUint16(o + 8, entries.length, true);
  view.setUint16(o + 10, entries.length, true);
  view.setUint32(o + 12, o - dirStart, true);
  view.setUint32(o + 16, dirStart, true);
  return out;
}
