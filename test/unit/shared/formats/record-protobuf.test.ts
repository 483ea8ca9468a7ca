import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { RecordIOFormatError } from '../../../../shared/errors';
import { ByteSink } from '../../../../shared/formats/bytes';
import {
  type AmazonRecord,
  decodeRecord,
  decodeRecordIO,
  encodeRecord,
  encodeRecordIO,
  type RecordValue,
  recordFeatures,
  recordLabel,
  type Tensor,
  type TensorType,
  tensor,
  writeDenseFloat32Record,
  writeSparseFloat32Record,
} from '../../../../shared/formats/record-protobuf';
import { decodeRecordIOFrames } from '../../../../shared/formats/recordio';

const protoText = readFileSync(
  fileURLToPath(new URL('../../../fixtures/formats/record.proto', import.meta.url)),
  'utf8',
);
const RecordType = protobuf.parse(protoText, { keepCase: true }).root.lookupType('aialgs.data.Record');

const TENSOR_FIELD: Record<TensorType, string> = {
  float32: 'float32_tensor',
  float64: 'float64_tensor',
  int32: 'int32_tensor',
};

/** The oracle: protobufjs encoding of the same record. */
function oracleEncode(features: Tensor, label?: Tensor): Uint8Array {
  const value = (t: Tensor) => ({
    [TENSOR_FIELD[t.type]]: { values: Array.from(t.values), keys: [...t.keys], shape: [...t.shape] },
  });
  const message = RecordType.fromObject({
    features: { values: value(features) },
    ...(label === undefined ? {} : { label: { values: value(label) } }),
  });
  return RecordType.encode(message).finish();
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

const float32 = fc.float({ noNaN: true });
const float64 = fc.double({ noNaN: true });
const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const arbitraryOf: Record<TensorType, fc.Arbitrary<number>> = { float32, float64, int32 };

const denseTensor = (type: TensorType) =>
  fc.array(arbitraryOf[type], { maxLength: 40 }).map((values) => tensor(type, values));

const sparseTensor = (type: TensorType) =>
  fc
    .integer({ min: 1, max: 5000 })
    .chain((size) =>
      fc
        .uniqueArray(fc.integer({ min: 0, max: size - 1 }), { maxLength: Math.min(size, 30) })
        .chain((keys) =>
          fc
            .array(arbitraryOf[type], { minLength: keys.length, maxLength: keys.length })
            .map((values) => tensor(type, values, { keys: keys.sort((a, b) => a - b), shape: [size] })),
        ),
    );

describe('encodeRecord', () => {
  it('writes the same bytes as protobufjs for random dense and sparse tensors of every type', () => {
    const anyTensor = fc
      .constantFrom<TensorType>('float32', 'float64', 'int32')
      .chain((type) => fc.oneof(denseTensor(type), sparseTensor(type)));
    fc.assert(
      fc.property(anyTensor, fc.option(anyTensor, { nil: undefined }), (features, label) => {
        // Act
        const ours = encodeRecord({
          features: { values: features },
          ...(label ? { label: { values: label } } : {}),
        });
        // Assess
        expect(hex(ours)).toBe(hex(oracleEncode(features, label)));
      }),
      { numRuns: 300 },
    );
  });

  it('writes a negative int32 as a 10-byte sign-extended varint', () => {
    // Prepare
    const record = { features: { values: tensor('int32', [-1]) } };
    // Act
    const bytes = encodeRecord(record);
    // Assess: ... 0a 0a ff ff ff ff ff ff ff ff ff 01
    expect(hex(bytes)).toContain('0a0affffffffffffffffff01');
    expect(hex(bytes)).toBe(hex(oracleEncode(record.features.values)));
  });

  it('omits empty packed fields, so an all-zero sparse row carries only its shape', () => {
    // Prepare
    const empty = tensor('float32', [], { keys: [], shape: [10] });
    // Act
    const bytes = encodeRecord({ features: { values: empty } });
    // Assess
    expect(hex(bytes)).toBe('0a0f0a0676616c756573120512031a010a');
  });

  it('refuses a negative or fractional sparse key', () => {
    // Prepare
    const bad = tensor('float32', [1], { keys: [-1], shape: [4] });
    // Act / Assess
    expect(() => encodeRecord({ features: { values: bad } })).toThrow(RecordIOFormatError);
  });
});

describe('writeDenseFloat32Record', () => {
  it('writes the same frame as the general encoder and protobufjs for random rows and labels', () => {
    fc.assert(
      fc.property(
        fc.array(float32, { maxLength: 300 }),
        fc.option(float32, { nil: undefined }),
        (values, label) => {
          // Prepare
          const sink = new ByteSink(16);
          const features = tensor('float32', values);
          const labelTensor = label === undefined ? undefined : tensor('float32', [label]);
          // Act
          writeDenseFloat32Record(sink, values, 0, values.length, label);
          // Assess
          const [frame] = decodeRecordIOFrames(sink.take());
          expect(hex(frame!.payload)).toBe(hex(oracleEncode(features, labelTensor)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads its values from the given slice of a larger array', () => {
    // Prepare
    const sink = new ByteSink();
    const matrix = Float64Array.of(9, 1, 2, 3, 9);
    // Act
    writeDenseFloat32Record(sink, matrix, 1, 3, 0);
    // Assess
    const [record] = decodeRecordIO(sink.take());
    expect(recordFeatures(record!)).toEqual({ kind: 'dense', values: Float32Array.of(1, 2, 3) });
    expect(recordLabel(record!)).toBe(0);
  });
});

describe('writeSparseFloat32Record', () => {
  it('writes the same frame as protobufjs for random sparse rows, empty rows included', () => {
    fc.assert(
      fc.property(sparseTensor('float32'), fc.option(float32, { nil: undefined }), (t, label) => {
        // Prepare
        const sink = new ByteSink(16);
        // Act
        writeSparseFloat32Record(sink, t.keys, t.values, t.values.length, t.shape[0]!, label);
        // Assess
        const [frame] = decodeRecordIOFrames(sink.take());
        const labelTensor = label === undefined ? undefined : tensor('float32', [label]);
        expect(hex(frame!.payload)).toBe(hex(oracleEncode(t, labelTensor)));
      }),
      { numRuns: 300 },
    );
  });
});

describe('decodeRecord', () => {
  it('reads back what protobufjs wrote, for random tensors of every type', () => {
    const anyTensor = fc
      .constantFrom<TensorType>('float32', 'float64', 'int32')
      .chain((type) => fc.oneof(denseTensor(type), sparseTensor(type)));
    fc.assert(
      fc.property(anyTensor, anyTensor, (features, label) => {
        // Prepare
        const bytes = oracleEncode(features, label);
        // Act
        const record = decodeRecord(bytes);
        // Assess
        expect(record.features.get('values')).toEqual(features);
        expect(record.label.get('values')).toEqual(label);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips records with several keys, bytes values and the string fields', () => {
    // Prepare
    const record = {
      features: new Map<string, RecordValue>([
        ['values', tensor('float64', [1.25, -3])],
        ['other', { type: 'bytes' as const, values: [Uint8Array.of(1, 2)], contentType: 'image/png' }],
      ]),
      label: new Map([['values', tensor('int32', [7])]]),
      uid: 'row-1',
      metadata: 'm',
      configuration: 'c',
    };
    // Act
    const decoded = decodeRecord(encodeRecord(record));
    // Assess
    expect(decoded).toEqual(record);
  });

  it('gives map entries last-wins semantics instead of appending repeated entries', () => {
    // Prepare: the XGBoost container's response bug concatenates records 0..i into record i
    const first = encodeRecord({ features: { values: tensor('float32', [1, 2]) } });
    const second = encodeRecord({ features: { values: tensor('float32', [3]) } });
    const concatenated = new Uint8Array([...first, ...second]);
    // Act
    const record = decodeRecord(concatenated);
    // Assess
    expect(record.features.get('values')).toEqual(tensor('float32', [3]));
  });

  it('accepts unpacked repeated values and skips unknown fields', () => {
    // Prepare: Float32Tensor with two unpacked values (tag 0x0d), an unknown varint field 15 in Record
    const tensorBytes = [0x0d, 0, 0, 0x80, 0x3f, 0x0d, 0, 0, 0, 0x40];
    const value = [0x12, tensorBytes.length, ...tensorBytes];
    const entry = [0x0a, 0x06, ...Buffer.from('values'), 0x12, value.length, ...value];
    const bytes = Uint8Array.from([0x78, 0x05, 0x0a, entry.length, ...entry]);
    // Act
    const record = decodeRecord(bytes);
    // Assess
    expect(record.features.get('values')).toEqual(tensor('float32', [1, 2]));
  });

  it('names the byte offset of a truncated field', () => {
    // Prepare
    const bytes = encodeRecord({ features: { values: tensor('float32', [1, 2, 3]) } }).subarray(0, 12);
    // Act / Assess
    expect(() => decodeRecord(bytes, { offset: 100, source: 'x.rec' })).toThrow(
      expect.objectContaining({
        name: 'RecordIOFormatError',
        location: expect.objectContaining({ source: 'x.rec' }),
      }),
    );
  });
});

describe('encodeRecordIO and decodeRecordIO', () => {
  it('round-trip any list of records', () => {
    const anyTensor = fc
      .constantFrom<TensorType>('float32', 'float64', 'int32')
      .chain((type) => fc.oneof(denseTensor(type), sparseTensor(type)));
    fc.assert(
      fc.property(
        fc.array(fc.record({ features: anyTensor, label: anyTensor }), { maxLength: 8 }),
        (rows) => {
          // Prepare
          const records = rows.map((r) => ({ features: { values: r.features }, label: { values: r.label } }));
          // Act
          const decoded: AmazonRecord[] = decodeRecordIO(encodeRecordIO(records));
          // Assess
          expect(decoded.map((r) => [r.features.get('values'), r.label.get('values')])).toEqual(
            rows.map((r) => [r.features, r.label]),
          );
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('recordFeatures', () => {
  it('returns a sparse row with its 0-based indices and size', () => {
    // Prepare
    const record = decodeRecord(
      encodeRecord({ features: { values: tensor('float32', [1, 2], { keys: [1, 3], shape: [4] }) } }),
    );
    // Act
    const row = recordFeatures(record);
    // Assess
    expect(row).toEqual({ kind: 'sparse', indices: [1, 3], values: Float32Array.of(1, 2), size: 4 });
  });

  it('refuses a sparse key outside the shape', () => {
    // Prepare
    const record = decodeRecord(
      encodeRecord({ features: { values: tensor('float32', [1], { keys: [4], shape: [4] }) } }),
    );
    // Act / Assess
    expect(() => recordFeatures(record)).toThrow(/outside the shape/);
  });

  it('refuses a record without a features tensor', () => {
    // Prepare
    const record = decodeRecord(encodeRecord({ features: {} }));
    // Act / Assess
    expect(() => recordFeatures(record)).toThrow(RecordIOFormatError);
  });
});
