/**
 * One entry point for every way a model arrives: `model.tar.gz` (or `.tar`), a gzip-compressed model
 * file, or a bare model file in binf, JSON or UBJSON — detected from the bytes, never the file name.
 */
import { ModelFormatError, UnsupportedModelError } from '../errors';
import { gunzip, isGzip, isTar, pickModelEntry, readTar } from './archive';
import { isBinf, parseBinf } from './binf';
import { modelSpecFromDocument } from './json-model';
import { type ModelOptions, XGBoostModel } from './model';
import { objectiveInfo, predTransformScalar } from './objective';
import type { ModelSpec } from './types';
import { decodeUbjson } from './ubjson';

/** Options of {@link loadModel}. */
export interface LoadOptions extends ModelOptions {
  /** Named in error messages (file name or S3 URI). */
  readonly source?: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** After a UBJSON object's `{`: a key length's integer marker (`i U I l L`), `$`, `#` or no-op `N`. */
const UBJSON_KEY_MARKERS = new Set([0x69, 0x55, 0x49, 0x6c, 0x4c, 0x24, 0x23, 0x4e]);

/** Unwraps gzip and tar layers until a model file remains. */
export function unwrapArtifact(bytes: Uint8Array): Uint8Array {
  let data = bytes;
  for (let layer = 0; layer < 3; layer++) {
    if (isGzip(data)) data = gunzip(data);
    else if (isTar(data)) data = pickModelEntry(readTar(data)).data;
    else return data;
  }
  return data;
}

function firstNonSpace(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return b;
  }
  return -1;
}

/**
 * `JSON.parse` that also takes the bare `NaN`, `Infinity` and `-Infinity` XGBoost's JSON writer emits
 * (e.g. the split condition of a categorical node is `NaN`): outside strings they are rewritten to
 * `null` (read back as NaN) and `±1e999` (parsed as ±Infinity) before parsing.
 */
export function parseXgboostJson(data: Uint8Array): unknown {
  let text: string;
  try {
    text = utf8.decode(data);
  } catch (error) {
    throw new ModelFormatError('JSON model is not valid UTF-8', { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (first) {
    if (!/NaN|Infinity/.test(text)) {
      throw new ModelFormatError(`JSON model cannot be parsed: ${(first as Error).message}`, {
        cause: first,
      });
    }
  }
  const parts: string[] = [];
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x4e && text.startsWith('NaN', i)) {
      parts.push(text.slice(last, i), 'null');
      i += 2;
      last = i + 1;
    } else if (c === 0x49 && text.startsWith('Infinity', i)) {
      parts.push(text.slice(last, i), '1e999');
      i += 7;
      last = i + 1;
    }
  }
  parts.push(text.slice(last));
  try {
    return JSON.parse(parts.join(''));
  } catch (error) {
    throw new ModelFormatError(`JSON model cannot be parsed: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Parses model bytes into a {@link ModelSpec} (no compilation).
 *
 * @throws {ModelFormatError} for bytes that are no XGBoost model, or a corrupt / truncated one.
 * @throws {UnsupportedModelError} for gblinear / dart models and archives with several models.
 */
export function parseModel(bytes: Uint8Array): ModelSpec {
  const data = unwrapArtifact(bytes);
  if (data.length === 0) throw new ModelFormatError('model file is empty');
  if (isBinf(data)) return parseBinf(data, (o, m) => predTransformScalar(objectiveInfo(o), m));
  if (data[0] === 0x80 && (data[1] as number) >= 2 && (data[1] as number) <= 5) {
    throw new UnsupportedModelError(
      'the model is a pickled Python object; save it with Booster.save_model (binary, .json or .ubj) instead',
    );
  }
  const first = firstNonSpace(data);
  if (data[0] === 0x7b && UBJSON_KEY_MARKERS.has(data[1] as number)) {
    return modelSpecFromDocument(decodeUbjson(data), 'ubj');
  }
  if (first === 0x7b) {
    return modelSpecFromDocument(parseXgboostJson(data), 'json');
  }
  // Headerless binf (written before the magic existed): try it, report a clear error if it fails.
  try {
    return parseBinf(data, (o, m) => predTransformScalar(objectiveInfo(o), m));
  } catch (error) {
    throw new ModelFormatError(
      `not an XGBoost model: expected a tar.gz, binf ('binf' magic), JSON or UBJSON model; first bytes ${Array.from(
        data.subarray(0, 8),
        (b) => b.toString(16).padStart(2, '0'),
      ).join(' ')}`,
      { cause: error },
    );
  }
}

/**
 * Loads an XGBoost 1.7 model for prediction from any SageMaker artifact form.
 *
 * @throws {ModelFormatError} for corrupt, truncated or non-model bytes.
 * @throws {UnsupportedModelError} for gblinear / dart boosters and unsupported objectives.
 * @example
 * const model = loadModel(await readFile('model.tar.gz'));
 * const { values } = model.predict(denseRows([[0.5, null, 3]], model.numFeature));
 */
export function loadModel(bytes: Uint8Array, options: LoadOptions = {}): XGBoostModel {
  try {
    return XGBoostModel.fromSpec(parseModel(bytes), options);
  } catch (error) {
    if (options.source !== undefined && error instanceof Error && error.name.endsWith('Error')) {
      error.message = `${options.source}: ${error.message}`;
    }
    throw error;
  }
}
