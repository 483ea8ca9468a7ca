import { describe, expect, it } from 'vitest';
import {
  CsvFormatError,
  InputValidationError,
  LibSvmFormatError,
  RecordIOFormatError,
} from '../../../../shared/errors';
import { formatBatchTransform, loadModel, normalizeContentType, scoringRows } from '../../../../shared/model';
import { fixtureBytes, fixtureText } from './fixtures';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('scoringRows', () => {
  it.each([
    ['binary_logistic', 'input.csv', 'text/csv'],
    ['binary_logistic', 'input.libsvm', 'text/libsvm'],
    ['binary_logistic', 'input.dense.rec', 'application/x-recordio-protobuf'],
    ['binary_logistic', 'input.sparse.rec', 'application/x-recordio-protobuf'],
    ['multi_softprob', 'input.csv', 'text/csv'],
    ['multi_softprob', 'input.libsvm', 'text/x-libsvm'],
    ['multi_softprob', 'input.sparse.rec', 'recordio-protobuf'],
    ['wide', 'input.csv.gz', 'csv'],
  ])('reads %s %s (%s) into rows that score to the batch-transform output', (name, input, contentType) => {
    // Prepare
    const model = loadModel(fixtureBytes(name === 'wide' ? 'wide.model.tar.gz' : `${name}.xgboost-model`));
    // Act
    const { x, rows } = scoringRows(fixtureBytes(`${name}.${input}`), contentType, model.numFeature);
    // Assess
    expect(formatBatchTransform(model.predict(x, rows))).toBe(fixtureText(`${name}.input.out`));
  });

  it('treats empty CSV fields and absent LibSVM indices as missing, and pads short rows', () => {
    // Act
    const csv = scoringRows(text('1,,3\n'), 'text/csv', 4);
    const svm = scoringRows(text('0 2:5 0:1\n7\n'), 'text/libsvm', 3);
    // Assess
    expect(Array.from(csv.x)).toEqual([1, Number.NaN, 3, Number.NaN]);
    expect(Array.from(svm.x)).toEqual([1, Number.NaN, 5, Number.NaN, Number.NaN, Number.NaN]);
    expect(svm.rows).toBe(2);
  });

  it('refuses rows wider than the model as XGBoost does, naming the line', () => {
    // Act / Assess
    expect(() => scoringRows(text('1,2,3\n'), 'text/csv', 2, 'in.csv')).toThrow(CsvFormatError);
    expect(() => scoringRows(text('1,2,3\n'), 'text/csv', 2, 'in.csv')).toThrow(/in\.csv, line 1/);
    expect(() => scoringRows(text('0 5:1\n'), 'text/libsvm', 2)).toThrow(LibSvmFormatError);
    expect(() =>
      scoringRows(fixtureBytes('binary_logistic.input.dense.rec'), 'application/x-recordio-protobuf', 3),
    ).toThrow(RecordIOFormatError);
  });

  it('refuses a non-numeric CSV field', () => {
    expect(() => scoringRows(text('1,abc\n'), 'text/csv', 2)).toThrow(CsvFormatError);
  });
});

describe('normalizeContentType', () => {
  it('accepts the container spellings and refuses others', () => {
    expect(normalizeContentType('text/csv; label_size=0')).toBe('text/csv');
    expect(normalizeContentType('libsvm')).toBe('text/libsvm');
    expect(normalizeContentType('application/x-recordio-protobuf')).toBe('application/x-recordio-protobuf');
    expect(() => normalizeContentType('application/x-parquet')).toThrow(InputValidationError);
  });
});
