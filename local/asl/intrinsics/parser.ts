/**
 * Parser for the intrinsic-function call syntax of the Amazon States Language
 * (`States.Format('{} and {}', $.a, States.Array(1, 'x'))`).
 *
 * Grammar (as AWS accepts it):
 * ```
 * call     := 'States.' name '(' [ argument (',' argument)* ] ')'
 * argument := call | string | number | 'true' | 'false' | 'null' | path
 * string   := "'" ( char | '\' any )* "'"        escapes: \' \{ \} \\
 * path     := '$' ...  (`$.x`, `$$.x`, `$var.x`, `$['a']`, `$.a[0]`) up to the next top-level ',' or ')'
 * ```
 */
import { StateEvaluationError } from '../errors';

/** A string literal keeps its source (escapes included) so States.Format can tell `\{` from `{`. */
export interface StringLiteralNode {
  readonly kind: 'string';
  readonly value: string;
  /** The characters between the quotes, escapes not yet applied. */
  readonly raw: string;
}

export interface LiteralNode {
  readonly kind: 'literal';
  readonly value: number | boolean | null;
}

export interface PathNode {
  readonly kind: 'path';
  readonly path: string;
}

export interface CallNode {
  readonly kind: 'call';
  /** The full function name, `States.Format`. */
  readonly name: string;
  readonly args: readonly IntrinsicNode[];
  /** The source text of the call, for error messages. */
  readonly text: string;
}

export type IntrinsicNode = StringLiteralNode | LiteralNode | PathNode | CallNode;

/** The most intrinsic calls AWS accepts nested in one field. */
export const MAX_NESTING = 10;

const CALL_START = /^\s*States\.[A-Za-z][A-Za-z0-9]*\s*\(/;

/** True when `text` has the shape of an intrinsic call (`States.<Name>( … )`). */
export function looksLikeIntrinsicCall(text: string): boolean {
  return CALL_START.test(text) && text.trimEnd().endsWith(')');
}

function syntaxError(expression: string, detail: string): StateEvaluationError {
  return new StateEvaluationError(
    'States.Runtime',
    `Invalid intrinsic function call '${expression}': ${detail}`,
  );
}

/** Parses an intrinsic call; throws `States.Runtime` naming the offending position on a syntax error. */
export function parseIntrinsic(expression: string): CallNode {
  const parser = new Parser(expression);
  parser.skipSpace();
  const node = parser.call(0);
  parser.skipSpace();
  if (!parser.atEnd()) parser.fail(`unexpected '${expression.slice(parser.pos)}' after the call`);
  return node;
}

class Parser {
  pos = 0;

  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  fail(detail: string): never {
    throw syntaxError(this.text, `${detail} (at offset ${this.pos})`);
  }

  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  call(depth: number): CallNode {
    if (depth >= MAX_NESTING) this.fail(`more than ${MAX_NESTING} nested intrinsic functions`);
    const start = this.pos;
    const match = /^States\.[A-Za-z][A-Za-z0-9]*/.exec(this.text.slice(this.pos));
    if (!match) this.fail("expected a function name starting with 'States.'");
    const name = match[0];
    this.pos += name.length;
    this.skipSpace();
    if (this.text[this.pos] !== '(') this.fail(`expected '(' after ${name}`);
    this.pos++;
    const args: IntrinsicNode[] = [];
    this.skipSpace();
    if (this.text[this.pos] === ')') {
      this.pos++;
      return { kind: 'call', name, args, text: this.text.slice(start, this.pos) };
    }
    for (;;) {
      this.skipSpace();
      args.push(this.argument(depth));
      this.skipSpace();
      const c = this.text[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === ')') {
        this.pos++;
        return { kind: 'call', name, args, text: this.text.slice(start, this.pos) };
      }
      if (c === undefined) this.fail(`missing ')' to close ${name}`);
      this.fail(`unexpected '${c}' in the arguments of ${name}`);
    }
  }

  argument(depth: number): IntrinsicNode {
    const c = this.text[this.pos];
    if (c === undefined) this.fail('missing argument');
    if (c === "'") return this.string();
    if (c === '$') return this.path();
    const rest = this.text.slice(this.pos);
    if (rest.startsWith('States.')) return this.call(depth + 1);
    const number = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?(?=\s*[,)])/.exec(rest);
    if (number) {
      this.pos += number[0].length;
      return { kind: 'literal', value: Number(number[0]) };
    }
    const keyword = /^(true|false|null)(?=\s*[,)])/.exec(rest);
    if (keyword) {
      this.pos += keyword[0].length;
      const value = keyword[1] === 'null' ? null : keyword[1] === 'true';
      return { kind: 'literal', value };
    }
    return this.fail(`unexpected argument '${rest.split(/[,)]/)[0]}'`);
  }

  string(): StringLiteralNode {
    this.pos++; // opening quote
    const start = this.pos;
    let value = '';
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined) this.fail('unterminated string literal');
      if (c === "'") break;
      if (c === '\\') {
        const next = this.text[this.pos + 1];
        if (next === undefined) this.fail('open escape backslash at the end of a string literal');
        // \' \{ \} \\ are the documented escapes; any other pair is kept as written (as AWS does for
        // `\"` inside a JSON literal given to States.StringToJson).
        value += next === "'" || next === '{' || next === '}' || next === '\\' ? next : c + next;
        this.pos += 2;
        continue;
      }
      value += c;
      this.pos++;
    }
    const raw = this.text.slice(start, this.pos);
    this.pos++; // closing quote
    return { kind: 'string', value, raw };
  }

  path(): PathNode {
    const start = this.pos;
    let depth = 0;
    let quote: string | undefined;
    while (this.pos < this.text.length) {
      const c = this.text[this.pos]!;
      if (quote) {
        if (c === '\\') this.pos++;
        else if (c === quote) quote = undefined;
      } else if (c === "'" || c === '"') quote = c;
      else if (c === '[' || c === '(') depth++;
      else if (c === ']' || c === ')') {
        if (depth === 0) break;
        depth--;
      } else if (c === ',' && depth === 0) break;
      this.pos++;
    }
    const path = this.text.slice(start, this.pos).trimEnd();
    return { kind: 'path', path };
  }
}
