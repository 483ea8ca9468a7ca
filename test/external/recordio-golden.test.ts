import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ByteSink } from '../../shared/formats/bytes';
import {
  decodeRecordIO,
  encodeRecordIO,
  type RecordValue,
  type TensorType,
  tensor,
  writeDenseFloat32Record,
  writeSparseFloat32Record,
} from '../../shared/formats/record-protobuf';
import { decodeRecordIOFrames, recordIOPadding } from '../../shared/formats/recordio';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const shared = process.env.SPARKMAKER_SHARED ?? join(repo, '..', 'shared');
const dir = join(shared, 'golden', 'recordio');
const present = existsSync(join(dir, 'recordio_golden.json'));

interface GoldenTensor {
  dtype: TensorType;
  values: number[];
  keys?: number[];
  shape?: number[];
}
interface GoldenRecord {
  features: GoldenTensor;
  label: GoldenTensor | null;
  payload_len: number;
  pad: number;
  payload_hex: string;
}
interface GoldenFile {
  size: number;
  sha256: string;
  records: GoldenRecord[];
}

const golden: Record<string, GoldenFile> = present
  ? JSON.parse(readFileSync(join(dir, 'recordio_golden.json'), 'utf8')).files
  : {};

const toTensor = (t: GoldenTensor) =>
  tensor(t.dtype, t.values, { ...(t.keys ? { keys: t.keys } : {}), ...(t.shape ? { shape: t.shape } : {}) });

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe.skipIf(!present)('the golden RecordIO files', () => {
  for (const [name, file] of Object.entries(golden)) {
    describe(name, () => {
      const bytes = present ? new Uint8Array(readFileSync(join(dir, name))) : new Uint8Array(0);

      it('is reproduced byte for byte from its JSON description by the general encoder', () => {
        // Prepare
        const records = file.records.map((r) => ({
          features: { values: toTensor(r.features) },
          ...(r.label === null ? {} : { label: { values: toTensor(r.label) } }),
        }));
        // Act
        const encoded = encodeRecordIO(records);
        // Assess
        expect(encoded.length).toBe(file.size);
        expect(createHash('sha256').update(encoded).digest('hex')).toBe(file.sha256);
        expect(hex(encoded)).toBe(hex(bytes));
      });

      const allFloat32 = file.records.every(
        (r) => r.features.dtype === 'float32' && (r.label === null || r.label.dtype === 'float32'),
      );
      it.skipIf(!allFloat32)('is reproduced byte for byte by the fixed-schema float32 encoders', () => {
        // Prepare
        const sink = new ByteSink();
        // Act
        for (const r of file.records) {
          const label = r.label?.values[0];
          if (r.features.keys !== undefined) {
            const { keys, values, shape } = r.features;
            writeSparseFloat32Record(sink, keys, values, values.length, shape![0]!, label);
          } else writeDenseFloat32Record(sink, r.features.values, 0, r.features.values.length, label);
        }
        // Assess
        expect(hex(sink.take())).toBe(hex(bytes));
      });

      it('decodes back to its JSON description, frame by frame', () => {
        // Act
        const frames = decodeRecordIOFrames(bytes);
        const records = decodeRecordIO(bytes);
        // Assess
        expect(records.length).toBe(file.records.length);
        file.records.forEach((expected, i) => {
          const frame = frames[i]!;
          expect(frame.payload.length).toBe(expected.payload_len);
          expect(recordIOPadding(frame.payload.length)).toBe(expected.pad);
          expect(hex(frame.payload)).toBe(expected.payload_hex);
          const record = records[i]!;
          expect(record.features.get('values')).toEqual(toTensor(expected.features));
          const label: RecordValue | undefined = record.label.get('values');
          expect(label).toEqual(expected.label === null ? undefined : toTensor(expected.label));
        });
      });
    });
  }
});
