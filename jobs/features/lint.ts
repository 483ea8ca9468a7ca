/**
 * A lint for the feature SQL: it must mean the same in Spark SQL (EMR Serverless) and DuckDB (the
 * offline stand-in). Each rule rejects a construct known to differ between the two, with a
 * `file:line:column` message saying what to write instead. Comments and string literals are not
 * scanned.
 *
 * @example
 * ```sh
 * npx tsx jobs/features/lint.ts            # lints jobs/features/features.sql, exit 1 on problems
 * npx tsx jobs/features/lint.ts other.sql
 * npx tsx jobs/features/lint.ts feature-plan.json   # every compiled statement of a declared table
 * ```
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** One divergence found in the SQL. */
export interface SqlLintProblem {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
  readonly rule: string;
  readonly message: string;
}

interface Rule {
  readonly name: string;
  readonly pattern: RegExp;
  readonly message: string;
}

const INTEGER_TYPES =
  '(?:TINYINT|SMALLINT|INT|INTEGER|BIGINT|LONG|HUGEINT|INT[1248]|UTINYINT|USMALLINT|UINTEGER|UBIGINT)';

/** The divergences DESIGN.md names, and a few more found in the two engines' documentation. */
export const RULES: readonly Rule[] = [
  {
    name: 'cast-to-integer',
    pattern: new RegExp(
      `\\b(?:TRY_)?CAST\\s*\\((?:[^()]|\\([^()]*\\))*?\\bAS\\s+${INTEGER_TYPES}\\s*\\)`,
      'gi',
    ),
    message:
      'CAST(... AS <integer type>) rounds a double in DuckDB but truncates it in Spark: keep DOUBLE, or make the rounding explicit with FLOOR()/CEIL() and keep the result a DOUBLE',
  },
  {
    name: 'double-colon-cast',
    pattern: /::/g,
    message: "'::' casts are DuckDB-only (Spark 3.5 rejects them): use CAST(x AS type)",
  },
  {
    name: 'split-index',
    pattern: /\bsplit\s*\((?:[^()]|\([^()]*\))*\)\s*\[/gi,
    message:
      'split(...)[i] is 0-based in Spark and 1-based in DuckDB: use split_part(string, delimiter, n) (1-based in both)',
  },
  {
    name: 'duckdb-string-split',
    pattern: /\b(?:string_split|str_split|string_to_array)\s*\(/gi,
    message: 'string_split/str_split are DuckDB-only: use split_part(string, delimiter, n)',
  },
  {
    name: 'day-of-week',
    pattern: /\b(?:dayofweek|weekday|isodow|dow)\s*\(/gi,
    message:
      "day-of-week numbering differs (Spark dayofweek: Sunday=1..Saturday=7; DuckDB: Sunday=0..Saturday=6): compute it from datediff against a known date, e.g. pmod(datediff(d, DATE '1970-01-04'), 7)",
  },
  {
    name: 'date-format',
    pattern: /\b(?:date_format|strftime|to_char|format_datetime)\s*\(/gi,
    message:
      "date formatting patterns differ (Spark: Java 'yyyy-MM-dd'; DuckDB: strftime '%Y-%m-%d'): use CAST(date AS STRING) for YYYY-MM-DD, or year()/month()/day()",
  },
  {
    name: 'substring-from-zero',
    pattern: /\bsubstr(?:ing)?\s*\((?:[^(),]|\([^()]*\))+,\s*0\s*[,)]/gi,
    message:
      'substring(s, 0, n) returns n characters in Spark but n-1 in DuckDB: positions are 1-based, start at 1',
  },
  {
    name: 'concat-null',
    pattern: /\bconcat\s*\(/gi,
    message: 'concat() skips NULLs in DuckDB but returns NULL in Spark: use || (NULL-propagating in both)',
  },
  {
    name: 'engine-hash',
    pattern: /\b(?:hash|xxhash64|murmur3|crc32|farm_fingerprint)\s*\(/gi,
    message: 'hash functions differ between Spark and DuckDB: use md5() (the same hex digest in both)',
  },
  {
    name: 'integer-division',
    pattern: /\/\/|\bdiv\b/gi,
    message:
      "integer division ('//' in DuckDB, 'div' in Spark) exists in only one engine: divide doubles with '/'",
  },
  {
    name: 'nondeterministic',
    pattern:
      /\b(?:rand|random|uuid|gen_random_uuid|current_date|current_timestamp|now|monotonically_increasing_id)\b/gi,
    message:
      'non-deterministic functions make the two engines (and two runs) disagree: derive values from the input',
  },
];

/**
 * Blanks out comments and the contents of string literals (keeping line and column positions), so
 * rules only see SQL code.
 */
export function codeOnly(sql: string): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i] as string;
    const next = sql[i + 1];
    if (ch === '-' && next === '-') {
      while (i < sql.length && sql[i] !== '\n') {
        out += ' ';
        i += 1;
      }
    } else if (ch === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      const stop = end === -1 ? sql.length : end + 2;
      for (; i < stop; i += 1) out += sql[i] === '\n' ? '\n' : ' ';
    } else if (ch === "'" || ch === '"' || ch === '`') {
      out += ch;
      i += 1;
      while (i < sql.length) {
        const c = sql[i] as string;
        if (c === ch && sql[i + 1] === ch) {
          out += '  ';
          i += 2;
        } else if (c === ch) {
          out += ch;
          i += 1;
          break;
        } else {
          out += c === '\n' ? '\n' : ' ';
          i += 1;
        }
      }
    } else {
      out += ch;
      i += 1;
    }
  }
  return out;
}

/** Lints SQL text; `file` names it in the problems. Pure: no I/O. */
export function lintFeatureSql(sql: string, file = 'features.sql'): SqlLintProblem[] {
  const code = codeOnly(sql);
  const lineStarts = [0];
  for (let i = 0; i < code.length; i += 1) if (code[i] === '\n') lineStarts.push(i + 1);
  const locate = (offset: number): { line: number; column: number } => {
    let line = lineStarts.length - 1;
    while (line > 0 && (lineStarts[line] as number) > offset) line -= 1;
    return { line: line + 1, column: offset - (lineStarts[line] as number) + 1 };
  };
  const problems: SqlLintProblem[] = [];
  for (const rule of RULES) {
    for (const match of code.matchAll(rule.pattern)) {
      problems.push({ file, ...locate(match.index ?? 0), rule: rule.name, message: rule.message });
    }
  }
  return problems.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** `file:line:column: rule: message`, the form editors and CI understand. */
export function formatProblem(problem: SqlLintProblem): string {
  return `${problem.file}:${problem.line}:${problem.column}: ${problem.rule}: ${problem.message}`;
}

/** The feature SQL shipped with the job. */
export const FEATURE_SQL_PATH = path.join(path.dirname(fileURLToPath(import.meta.url)), 'features.sql');

/**
 * Lints every statement of a feature plan or spec (`feature-plan.json`, `feature-spec.json`: the SQL
 * compiled from a declared table, docs/declarations.md), naming each `file#sql.<dialect>.<statement>`.
 */
export function lintFeaturePlan(text: string, file = 'feature-plan.json'): SqlLintProblem[] {
  const plan = JSON.parse(text) as { sql?: Record<string, Record<string, unknown>> };
  return Object.entries(plan.sql ?? {}).flatMap(([dialect, statements]) =>
    Object.entries(statements).flatMap(([name, sql]) =>
      typeof sql === 'string' ? lintFeatureSql(sql, `${file}#sql.${dialect}.${name}`) : [],
    ),
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const files = process.argv.length > 2 ? process.argv.slice(2) : [FEATURE_SQL_PATH];
  const problems = files.flatMap((file) => {
    const name = path.relative(process.cwd(), file);
    const text = readFileSync(file, 'utf8');
    return file.endsWith('.json') ? lintFeaturePlan(text, name) : lintFeatureSql(text, name);
  });
  for (const problem of problems) console.error(formatProblem(problem));
  if (problems.length === 0) console.log(`${files.length} file(s) clean`);
  process.exitCode = problems.length === 0 ? 0 : 1;
}
