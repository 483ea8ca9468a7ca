/**
 * Writes SageMaker model artifacts: `model.tar.gz` = gzip around a POSIX ustar archive of regular
 * files (512-byte header: name, mode, owner, size and mtime in octal, checksum, `ustar\0` magic;
 * content padded to 512; two zero blocks at the end). Reading is `shared/model`'s job.
 */
import { gzipSync } from 'node:zlib';

/** One file to put in the archive. */
export interface ArchiveMember {
  readonly name: string;
  readonly data: Uint8Array | string;
}

const BLOCK = 512;

function writeString(block: Uint8Array, offset: number, length: number, text: string): void {
  const bytes = new TextEncoder().encode(text);
  block.set(bytes.subarray(0, length), offset);
}

function writeOctal(block: Uint8Array, offset: number, length: number, value: number): void {
  writeString(block, offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`);
}

function header(name: string, size: number, mtime: number): Uint8Array {
  const block = new Uint8Array(BLOCK);
  if (new TextEncoder().encode(name).length > 100) throw new RangeError(`tar member name too long: ${name}`);
  writeString(block, 0, 100, name);
  writeOctal(block, 100, 8, 0o644);
  writeOctal(block, 108, 8, 0);
  writeOctal(block, 116, 8, 0);
  writeOctal(block, 124, 12, size);
  writeOctal(block, 136, 12, mtime);
  block.fill(0x20, 148, 156);
  block[156] = 0x30; // '0' regular file
  writeString(block, 257, 6, 'ustar\0');
  writeString(block, 263, 2, '00');
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += block[i]!;
  writeString(block, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return block;
}

/** A tar archive of `members` (mtime fixed, so the same content gives the same bytes). */
export function createTar(members: readonly ArchiveMember[], mtime = 0): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const member of members) {
    const data = typeof member.data === 'string' ? new TextEncoder().encode(member.data) : member.data;
    parts.push(header(member.name, data.length, mtime), data);
    const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
    if (pad > 0) parts.push(new Uint8Array(pad));
  }
  parts.push(new Uint8Array(2 * BLOCK));
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** `model.tar.gz` bytes holding `members`. */
export function createModelTarGz(members: readonly ArchiveMember[], mtime = 0): Uint8Array {
  const gz = gzipSync(createTar(members, mtime));
  return new Uint8Array(gz.buffer, gz.byteOffset, gz.byteLength);
}
