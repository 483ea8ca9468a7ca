import { describe, expect, it } from 'vitest';
import {
  CsvFormatError,
  capMessage,
  causeForDisplay,
  InputValidationError,
  MAX_MESSAGE_CHARS,
} from '../../../shared/errors';

describe('error message capping', () => {
  it('leaves a short message alone', () => {
    expect(capMessage('no such column')).toBe('no such column');
  });

  it('cuts a long message in the middle, says how much was cut and keeps both ends', () => {
    const text = `start ${'x'.repeat(100_000)} end`;
    const capped = capMessage(text);

    expect(capped.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
    expect(capped.startsWith('start ')).toBe(true);
    expect(capped.endsWith(' end')).toBe(true);
    const cut = Number(/\[(\d+) characters cut\]/.exec(capped)?.[1]);
    expect(capped.length - capped.match(/ … \[\d+ characters cut\] … /)![0].length + cut).toBe(text.length);
  });

  it('never splits a surrogate pair', () => {
    const capped = capMessage('😀'.repeat(10_000));
    expect(/\p{Surrogate}/u.test(capped)).toBe(false);
  });

  it('caps every sparkmaker error, keeping the location at the end of a format error', () => {
    const error = new CsvFormatError(`bad header ${'h'.repeat(20_000_000)}`, {
      source: 's3://b-1/in.csv',
      line: 1,
    });
    expect(error.message.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
    expect(error.message).toMatch(/\(s3:\/\/b-1\/in\.csv, line 1\)$/);
    expect(new InputValidationError('y'.repeat(10_000), 'f').message.length).toBeLessThanOrEqual(
      MAX_MESSAGE_CHARS,
    );
  });
});

describe('causes shown to a person', () => {
  it('shows a Lambda error envelope as its message, without the trace', () => {
    const cause = JSON.stringify({
      errorType: 'E',
      errorMessage: 'it broke',
      trace: ['E: it broke', '    at f (x.ts:1:1)'],
    });
    expect(causeForDisplay(cause)).toBe('it broke');
  });

  it('drops stack frames from a plain-text cause', () => {
    expect(causeForDisplay('Error: it broke\n    at f (x.ts:1:1)\n    at g (y.ts:2:2)')).toBe(
      'Error: it broke',
    );
  });
});
