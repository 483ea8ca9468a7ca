import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { codeOnly, FEATURE_SQL_PATH, formatProblem, lintFeatureSql } from '../../../jobs/features/lint';

describe('the feature SQL lint', () => {
  it('finds nothing to reject in the shipped features.sql', () => {
    // Prepare
    const sql = readFileSync(FEATURE_SQL_PATH, 'utf8');

    // Act
    const problems = lintFeatureSql(sql);

    // Assess
    expect(problems.map(formatProblem)).toEqual([]);
  });

  it.each([
    ['cast-to-integer', 'SELECT CAST(monthly_charges AS INT) AS f FROM raw'],
    ['cast-to-integer', 'SELECT TRY_CAST(round(x, 0) AS bigint) FROM raw'],
    ['double-colon-cast', 'SELECT x::DOUBLE FROM raw'],
    ['split-index', "SELECT split(customer_id, '-')[1] FROM raw"],
    ['duckdb-string-split', "SELECT string_split(a, ',') FROM raw"],
    ['day-of-week', 'SELECT dayofweek(event_day) FROM raw'],
    ['date-format', "SELECT date_format(event_day, 'yyyy-MM') FROM raw"],
    ['date-format', "SELECT strftime(event_day, '%Y') FROM raw"],
    ['substring-from-zero', 'SELECT substring(customer_id, 0, 3) FROM raw'],
    ['concat-null', "SELECT concat(a, '-', b) FROM raw"],
    ['engine-hash', 'SELECT hash(customer_id) FROM raw'],
    ['integer-division', 'SELECT a // b FROM raw'],
    ['integer-division', 'SELECT a div b FROM raw'],
    ['nondeterministic', 'SELECT rand() FROM raw'],
  ])('rejects %s in: %s', (rule, sql) => {
    // Act
    const problems = lintFeatureSql(sql, 'q.sql');

    // Assess
    expect(problems.map((problem) => problem.rule)).toEqual([rule]);
  });

  it('names the file, line and column of each problem', () => {
    // Prepare
    const sql = [
      'SELECT',
      '  customer_id,',
      '  CAST(tenure AS INTEGER) AS f_tenure,',
      '  dayofweek(d) AS f_dow',
      'FROM raw',
    ].join('\n');

    // Act
    const problems = lintFeatureSql(sql, 'jobs/features/features.sql');

    // Assess
    expect(problems.map(formatProblem)).toEqual([
      expect.stringMatching(
        /^jobs\/features\/features\.sql:3:3: cast-to-integer: CAST\(\.\.\. AS <integer type>\) rounds/,
      ),
      expect.stringMatching(/^jobs\/features\/features\.sql:4:3: day-of-week: /),
    ]);
  });

  it('accepts the portable forms it recommends', () => {
    // Prepare
    const sql = [
      "SELECT CAST(x AS DOUBLE), FLOOR(x), split_part(a, '-', 1), CAST(d AS STRING),",
      "  substring(a, 1, 2), a || '-' || b, md5(a), a / b, month(d)",
      'FROM raw',
    ].join('\n');

    // Act
    const problems = lintFeatureSql(sql);

    // Assess
    expect(problems).toEqual([]);
  });

  it('ignores comments and string literals', () => {
    // Prepare
    const sql = '-- CAST(x AS INT) is wrong\nSELECT \'dayofweek(\' AS a, /* rand() */ "concat(" FROM raw';

    // Act
    const problems = lintFeatureSql(sql);
    const code = codeOnly(sql);

    // Assess
    expect(problems).toEqual([]);
    expect(code).toHaveLength(sql.length);
    expect(code.split('\n')).toHaveLength(2);
  });
});
