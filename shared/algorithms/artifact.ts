/**
 * Finds `model_algo-1` in a built-in algorithm's artifact (SPEC §12): `model.tar.gz` (gzip + tar),
 * a plain tar, or the bare file. AWS's KMeans tarballs also hold a `state_<uuid>` training-state
 * file; it is ignored.
 */
import { ModelFormatError } from '../errors';
import { gunzip, isGzip, isTar, readTar } from '../model/archive';

/** The member name the 1P algorithms write and load. */
export const MODEL_ALGO_MEMBER = 'model_algo-1';

const baseName = (name: string): string => name.slice(name.replace(/\/+$/, '').lastIndexOf('/') + 1);

/**
 * The bytes of `model_algo-1` (or of the bare model file given).
 *
 * @throws {ModelFormatError} for bad gzip/tar data or an archive without `model_algo-1`.
 */
export function modelAlgoBytes(bytes: Uint8Array, source = 'model artifact'): Uint8Array {
  let data = bytes;
  if (isGzip(data)) data = gunzip(data, source);
  if (!isTar(data)) return data;
  const entries = readTar(data);
  const entry = entries.find((e) => baseName(e.name) === MODEL_ALGO_MEMBER);
  if (entry === undefined) {
    throw new ModelFormatError(
      `${source}: the archive holds no '${MODEL_ALGO_MEMBER}' (members: ${entries
        .map((e) => e.name)
        .slice(0, 5)
        .join(', ')})`,
    );
  }
  return entry.data;
}

/** Whether an archive (or bare file) is a 1P algorithm artifact rather than an XGBoost one. */
export function holdsModelAlgo(bytes: Uint8Array): boolean {
  try {
    let data = bytes;
    if (isGzip(data)) data = gunzip(data);
    if (!isTar(data))
      return (
        data.length >= 8 && ((data[0] === 0x12 && data[1] === 0x01) || (data[0] === 0x50 && data[1] === 0x4b))
      );
    return readTar(data).some((e) => baseName(e.name) === MODEL_ALGO_MEMBER);
  } catch {
    return false;
  }
}
