import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  InvocationError,
  invokeBatch,
  parseRequest,
} from '../../../../../local/services/sagemaker/container';
import { compileCsvFilter } from '../../../../../local/services/sagemaker/jsonpath-filter';
import { batchRecords, splitRecords } from '../../../../../local/services/sagemaker/transform-job';
import { encodeRecordIO, tensor } from '../../../../../shared/formats';
import { loadModel } from '../../../../../shared/model';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('compileCsvFilter', () => {
  it('picks fields with the JSONPath subset batch transform uses', () => {
    const row = ['label', 'a', 'b', 'c'];
    expect(compileCsvFilter('$')(row)).toEqual(row);
    expect(compileCsvFilter('$[1:]')(row)).toEqual(['a', 'b', 'c']);
    expect(compileCsvFilter('$[:-1]')(row)).toEqual(['label', 'a', 'b']);
    expect(compileCsvFilter('$[0,-1]')(row)).toEqual(['label', 'c']);
    expect(compileCsvFilter('$[2]')(row)).toEqual(['b']);
  });

  it('refuses expressions outside the subset by name', () => {
    expect(() => compileCsvFilter('$.features')).toThrow("unsupported JSONPath filter '$.features'");
  });
});

describe('splitRecords', () => {
  it('splits lines, dropping CR and blank lines', () => {
    expect(splitRecords(bytes('a,b\r\n\nc,d'), 'Line', 'x').map(text)).toEqual(['a,b', 'c,d']);
  });

  it('keeps whole RecordIO frames, padding included', () => {
    const body = encodeRecordIO([
      { features: { values: tensor('float32', [1]) } },
      { features: { values: tensor('float32', [2, 3]) } },
    ]);
    const frames = splitRecords(body, 'RecordIO', 'x');
    expect(frames).toHaveLength(2);
    expect(frames.reduce((n, f) => n + f.length, 0)).toBe(body.length);
  });

  it('sends the whole object as one record with SplitType None', () => {
    expect(splitRecords(bytes('a\nb\n'), 'None', 'x').map(text)).toEqual(['a\nb\n']);
  });
});

describe('batchRecords', () => {
  const records = ['aaaa', 'bbbb', 'cccc'].map(bytes);

  it('packs MultiRecord batches up to the payload limit, separators counted', () => {
    expect(batchRecords(records, 'MultiRecord', 10, 1).map((b) => b.length)).toEqual([2, 1]);
  });

  it('sends one record per request with SingleRecord', () => {
    expect(batchRecords(records, 'SingleRecord', 10, 1).map((b) => b.length)).toEqual([1, 1, 1]);
  });

  it('refuses a record larger than the payload limit', () => {
    expect(() => batchRecords(records, 'MultiRecord', 3, 1)).toThrow(/larger than MaxPayloadInMB allows/);
  });
});

describe('the container invocation', () => {
  const fixture = (name: string): Uint8Array =>
    new Uint8Array(readFileSync(new URL(`../../../../fixtures/model/${name}`, import.meta.url)));
  const model = loadModel(fixture('binary_logistic.xgboost-model'));

  it('answers a CSV, LibSVM or RecordIO batch exactly as the 1.7-1 container writes <input>.out', () => {
    const expected = text(fixture('binary_logistic.input.out'));

    expect(invokeBatch(model, fixture('binary_logistic.input.csv'), 'text/csv')).toBe(expected);
    expect(invokeBatch(model, fixture('binary_logistic.input.libsvm'), 'text/libsvm')).toBe(expected);
    expect(
      invokeBatch(model, fixture('binary_logistic.input.sparse.rec'), 'application/x-recordio-protobuf'),
    ).toBe(expected);
  });

  it('refuses an unsupported content type with 415', () => {
    const act = (): unknown => parseRequest(bytes('1,2'), 'application/json', model.numFeature);
    expect(act).toThrow(InvocationError);
    expect(act).toThrow('Content type application/json is not supported by the XGBoost container');
    try {
      act();
    } catch (error) {
      expect((error as InvocationError).statusCode).toBe(415);
    }
  });

  it('refuses an unparsable CSV body with 415, naming the line', () => {
    expect(() => parseRequest(bytes('1,2\n3,x\n'), 'text/csv', model.numFeature)).toThrow(
      /Loading csv data failed with Exception.*line 2/s,
    );
  });

  it('refuses rows wider than the model with 400', () => {
    const wide = `${Array.from({ length: model.numFeature + 1 }, () => '1').join(',')}\n`;
    try {
      parseRequest(bytes(wide), 'text/csv', model.numFeature);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvocationError);
      expect((error as InvocationError).statusCode).toBe(400);
    }
  });
});
