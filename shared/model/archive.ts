/**
 * Opens a SageMaker `model.tar.gz`: gzip (RFC 1952, via `node:zlib`, no I/O) around a POSIX tar
 * (ustar, with GNU long-name `L` and pax `x` headers understood). The XGBoost 1.7-1 container
 * loads `xgboost-model`; an archive with any other single regular file is accepted too.
 *
 * Tar layout: 512-byte header blocks (name 0..100, size 124..136 octal, typeflag 156, ustar prefix
 * 345..500), then the content padded to 512; two zero blocks end the archive.
 */
import { gunzipSync } from 'node:zlib';
import { ModelFormatError, UnsupportedModelError } from '../errors';

/** One regular file of a tar archive. */
export interface TarEntry {
  readonly name: string;
  readonly data: Uint8Array;
}

const BLOCK = 512;
const utf8 = new TextDecoder('utf-8');

/** True for the gzip magic `1f 8b`. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** True when the first block looks like a tar header (ustar magic, or a valid v7 checksum). */
export function isTar(bytes: Uint8Array): boolean {
  if (bytes.length < BLOCK) return false;
  if (latin1(bytes.subarray(257, 262)) === 'ustar') return true;
  const stored = parseOctal(bytes.subarray(148, 156));
  return stored !== undefined && stored === checksum(bytes.subarray(0, BLOCK));
}

/**
 * Decompresses gzip data (several members are concatenated, as gunzip does).
 *
 * @throws {ModelFormatError} on corrupt or truncated gzip data.
 */
export function gunzip(bytes: Uint8Array, what = 'model archive'): Uint8Array {
  try {
    const out = gunzipSync(bytes);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (error) {
    throw new ModelFormatError(`${what} is not valid gzip data: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** Bytes as ISO-8859-1 text (tar header fields are ASCII; no TextDecoder: its first use loads ICU). */
function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i] as number);
  return s;
}

function cString(bytes: Uint8Array, utf8Name = false): string {
  const end = bytes.indexOf(0);
  const field = end === -1 ? bytes : bytes.subarray(0, end);
  return utf8Name ? utf8.decode(field) : latin1(field);
}

function parseOctal(field: Uint8Array): number | undefined {
  // GNU base-256 for large sizes: high bit of the first byte set.
  if (((field[0] as number) & 0x80) !== 0) {
    let v = (field[0] as number) & 0x7f;
    for (let i = 1; i < field.length; i++) v = v * 256 + (field[i] as number);
    return v;
  }
  const text = latin1(field).replace(/\0.*$/s, '').trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) return undefined;
  return Number.parseInt(text, 8);
}

function checksum(header: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (header[i] as number);
  return sum;
}

function paxPath(data: Uint8Array): string | undefined {
  const text = utf8.decode(data);
  let pos = 0;
  let path: string | undefined;
  while (pos < text.length) {
    const space = text.indexOf(' ', pos);
    if (space === -1) break;
    const length = Number(text.slice(pos, space));
    if (!Number.isInteger(length) || length <= 0) break;
    const record = text.slice(space + 1, pos + length - 1);
    const eq = record.indexOf('=');
    if (record.slice(0, eq) === 'path') path = record.slice(eq + 1);
    pos += length;
  }
  return path;
}

/**
 * Lists the regular files of a tar archive.
 *
 * @throws {ModelFormatError} on a bad header checksum, a bad size field or truncated content.
 */
export function readTar(bytes: Uint8Array): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  let longName: string | undefined;
  while (offset + BLOCK <= bytes.length) {
    const header = bytes.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) return entries;
    const stored = parseOctal(header.subarray(148, 156));
    if (stored === undefined || stored !== checksum(header)) {
      throw new ModelFormatError(`model archive: tar header at byte ${offset} has a bad checksum`);
    }
    const size = parseOctal(header.subarray(124, 136));
    if (size === undefined)
      throw new ModelFormatError(`model archive: tar header at byte ${offset} has a bad size`);
    const type = String.fromCharCode(header[156] as number);
    const start = offset + BLOCK;
    if (start + size > bytes.length) {
      throw new ModelFormatError(
        `model archive is truncated: entry at byte ${offset} needs ${size} bytes, ${bytes.length - start} are left`,
      );
    }
    const data = bytes.subarray(start, start + size);
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'L') {
      longName = cString(data, true);
      continue;
    }
    if (type === 'x') {
      longName = paxPath(data) ?? longName;
      continue;
    }
    if (type === 'g') continue;
    let name = cString(header.subarray(0, 100), true);
    const prefix = latin1(header.subarray(257, 263)).startsWith('ustar')
      ? cString(header.subarray(345, 500), true)
      : '';
    if (prefix !== '') name = `${prefix}/${name}`;
    if (longName !== undefined) name = longName;
    longName = undefined;
    if (type === '0' || type === '\0' || type === '7') entries.push({ name, data });
  }
  if (offset < bytes.length || entries.length === 0) {
    throw new ModelFormatError(`model archive is truncated: the tar ends inside a header at byte ${offset}`);
  }
  return entries;
}

function baseName(path: string): string {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  return parts[parts.length - 1] ?? '';
}

/**
 * Picks the model file of a SageMaker artifact: `xgboost-model` if present, else the only regular
 * file that is not a dotfile (the container ignores dotfiles).
 *
 * @throws {ModelFormatError} when the archive holds no model file.
 * @throws {UnsupportedModelError} when it holds several (k-fold ensembles are not scored).
 */
export function pickModelEntry(entries: readonly TarEntry[]): TarEntry {
  const named = entries.find((e) => baseName(e.name) === 'xgboost-model');
  if (named !== undefined) return named;
  const candidates = entries.filter((e) => !baseName(e.name).startsWith('.') && baseName(e.name) !== '');
  if (candidates.length === 1) return candidates[0] as TarEntry;
  if (candidates.length === 0) throw new ModelFormatError('model archive holds no model file');
  throw new UnsupportedModelError(
    `model archive holds ${candidates.length} files (${candidates
      .map((e) => e.name)
      .slice(0, 5)
      .join(', ')}) and no 'xgboost-model'; ensembles are not supported`,
  );
}
