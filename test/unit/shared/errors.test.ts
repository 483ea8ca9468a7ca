import { describe, expect, it } from 'vitest';
import { CsvFormatError, FormatError, InputValidationError, SparkmakerError } from '../../../shared/errors';

describe('the error hierarchy', () => {
  it('gives each error the name the state machines match', () => {
    const error = new InputValidationError("unknown field 'modle'", 'modle');

    expect(error).toBeInstanceOf(SparkmakerError);
    expect(error.name).toBe('InputValidationError');
    expect(error.field).toBe('modle');
  });

  it('names the file, line and column of a format error in its message', () => {
    const error = new CsvFormatError('unterminated quoted field', { source: 'a.csv', line: 3, column: 7 });

    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toBe('unterminated quoted field (a.csv, line 3, column 7)');
    expect(error.location.line).toBe(3);
  });

  it('keeps the cause', () => {
    const cause = new Error('disk full');
    expect(new SparkmakerError('write failed', { cause }).cause).toBe(cause);
  });
});
