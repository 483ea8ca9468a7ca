/**
 * The `where` filter of a declaration: a small expression language parsed here, never passed to an
 * engine as text. Grammar (keywords case-insensitive):
 *
 * ```text
 * expr    := and ("OR" and)*
 * and     := not ("AND" not)*
 * not     := "NOT" not | primary
 * primary := "(" expr ")" | operand rest
 * rest    := ("=" | "!=" | "<>" | "<" | "<=" | ">" | ">=") operand
 *          | ["NOT"] "IN" "(" operand ("," operand)* ")"
 *          | "IS" ["NOT"] "NULL"
 * operand := column | 'string' | number | TRUE | FALSE
 * column  := a bare name ([A-Za-z_][A-Za-z0-9_]*), "double quoted" or `backquoted`
 * ```
 *
 * Anything else (functions, arithmetic, sub-queries, comments) is a syntax error naming the
 * position. The compiler emits the tree with quoted identifiers and literals.
 */
import type { WhereExpression, WhereOperand } from './types';

/** A `where` text that does not parse: `position` is 0-based. */
export class WhereSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
    this.name = 'WhereSyntaxError';
  }
}

type Token =
  | { kind: 'word'; text: string; at: number }
  | { kind: 'ident'; text: string; at: number }
  | { kind: 'string'; text: string; at: number }
  | { kind: 'number'; value: number; text: string; at: number }
  | { kind: 'op'; text: string; at: number }
  | { kind: 'end'; at: number };

const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'IN', 'IS', 'NULL', 'TRUE', 'FALSE']);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    const at = i;
    if (ch === "'" || ch === '"' || ch === '`') {
      let value = '';
      i += 1;
      for (;;) {
        if (i >= text.length) throw new WhereSyntaxError(`unterminated ${ch}…${ch} at ${at + 1}`, at);
        const c = text[i] as string;
        if (c === ch && text[i + 1] === ch) {
          value += ch;
          i += 2;
        } else if (c === ch) {
          i += 1;
          break;
        } else {
          value += c;
          i += 1;
        }
      }
      if (ch !== "'" && value === '') throw new WhereSyntaxError(`empty column name at ${at + 1}`, at);
      tokens.push({ kind: ch === "'" ? 'string' : 'ident', text: value, at });
      continue;
    }
    const number = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(text.slice(i));
    if (number !== null && (ch !== '-' || /[\d.]/.test(text[i + 1] ?? ''))) {
      const value = Number(number[0]);
      if (!Number.isFinite(value)) throw new WhereSyntaxError(`number out of range at ${at + 1}`, at);
      tokens.push({ kind: 'number', value, text: number[0], at });
      i += number[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (word !== null) {
      tokens.push({ kind: 'word', text: word[0], at });
      i += word[0].length;
      continue;
    }
    const op = /^(?:<=|>=|<>|!=|=|<|>|\(|\)|,)/.exec(text.slice(i));
    if (op !== null) {
      tokens.push({ kind: 'op', text: op[0], at });
      i += op[0].length;
      continue;
    }
    throw new WhereSyntaxError(
      `unexpected '${ch}' at ${at + 1} (the filter allows comparisons, AND/OR/NOT, IN and IS NULL)`,
      at,
    );
  }
  tokens.push({ kind: 'end', at: text.length });
  return tokens;
}

/**
 * Parses a `where` text into its expression tree.
 *
 * @throws {WhereSyntaxError} naming the position of the first problem.
 */
export function parseWhere(text: string): WhereExpression {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = (): Token => tokens[pos] as Token;
  const isKeyword = (token: Token, keyword: string): boolean =>
    token.kind === 'word' && token.text.toUpperCase() === keyword;
  const describe = (token: Token): string =>
    token.kind === 'end' ? 'the end' : `'${'text' in token ? token.text : ''}' at ${token.at + 1}`;
  const expectOp = (op: string): void => {
    const token = peek();
    if (token.kind !== 'op' || token.text !== op)
      throw new WhereSyntaxError(`expected '${op}', found ${describe(token)}`, token.at);
    pos += 1;
  };

  const operand = (): WhereOperand => {
    const token = peek();
    pos += 1;
    if (token.kind === 'string') return { kind: 'string', value: token.text };
    if (token.kind === 'number') return { kind: 'number', value: token.value };
    if (token.kind === 'ident') return { kind: 'column', name: token.text };
    if (token.kind === 'word') {
      const upper = token.text.toUpperCase();
      if (upper === 'TRUE' || upper === 'FALSE') return { kind: 'boolean', value: upper === 'TRUE' };
      if (KEYWORDS.has(upper))
        throw new WhereSyntaxError(`expected a column or a value, found ${describe(token)}`, token.at);
      const next = peek();
      if (next.kind === 'op' && next.text === '(') {
        throw new WhereSyntaxError(
          `functions are not allowed in a filter ('${token.text}(' at ${token.at + 1})`,
          token.at,
        );
      }
      return { kind: 'column', name: token.text };
    }
    throw new WhereSyntaxError(`expected a column or a value, found ${describe(token)}`, token.at);
  };

  const primary = (): WhereExpression => {
    const token = peek();
    if (token.kind === 'op' && token.text === '(') {
      pos += 1;
      const inner = expr();
      expectOp(')');
      return inner;
    }
    const left = operand();
    const next = peek();
    if (next.kind === 'op' && ['=', '!=', '<>', '<', '<=', '>', '>='].includes(next.text)) {
      pos += 1;
      const op = next.text === '!=' ? '<>' : (next.text as '=' | '<>' | '<' | '<=' | '>' | '>=');
      return { kind: 'compare', op, left, right: operand() };
    }
    let negated = false;
    if (isKeyword(next, 'NOT') && isKeyword(tokens[pos + 1] as Token, 'IN')) {
      negated = true;
      pos += 1;
    }
    if (isKeyword(peek(), 'IN')) {
      pos += 1;
      expectOp('(');
      const values = [operand()];
      while (peek().kind === 'op' && (peek() as { text: string }).text === ',') {
        pos += 1;
        values.push(operand());
      }
      expectOp(')');
      return { kind: 'in', negated, operand: left, values };
    }
    if (isKeyword(next, 'IS')) {
      pos += 1;
      let isNot = false;
      if (isKeyword(peek(), 'NOT')) {
        isNot = true;
        pos += 1;
      }
      if (!isKeyword(peek(), 'NULL'))
        throw new WhereSyntaxError(`expected NULL, found ${describe(peek())}`, peek().at);
      pos += 1;
      return { kind: 'isNull', negated: isNot, operand: left };
    }
    throw new WhereSyntaxError(
      `expected a comparison, IN or IS NULL after the operand, found ${describe(next)}`,
      next.at,
    );
  };

  const not = (): WhereExpression => {
    if (isKeyword(peek(), 'NOT')) {
      pos += 1;
      return { kind: 'not', operand: not() };
    }
    return primary();
  };
  const and = (): WhereExpression => {
    let left = not();
    while (isKeyword(peek(), 'AND')) {
      pos += 1;
      left = { kind: 'and', left, right: not() };
    }
    return left;
  };
  const expr = (): WhereExpression => {
    let left = and();
    while (isKeyword(peek(), 'OR')) {
      pos += 1;
      left = { kind: 'or', left, right: and() };
    }
    return left;
  };

  if (peek().kind === 'end') throw new WhereSyntaxError('the filter is empty', 0);
  const tree = expr();
  if (peek().kind !== 'end') throw new WhereSyntaxError(`unexpected ${describe(peek())}`, peek().at);
  return tree;
}

/** The column names an expression refers to, in order of appearance, without repeats. */
export function whereColumns(expression: WhereExpression): string[] {
  const names: string[] = [];
  const visitOperand = (operand: WhereOperand): void => {
    if (operand.kind === 'column' && !names.includes(operand.name)) names.push(operand.name);
  };
  const visit = (node: WhereExpression): void => {
    switch (node.kind) {
      case 'and':
      case 'or':
        visit(node.left);
        visit(node.right);
        return;
      case 'not':
        visit(node.operand);
        return;
      case 'compare':
        visitOperand(node.left);
        visitOperand(node.right);
        return;
      case 'in':
        visitOperand(node.operand);
        node.values.forEach(visitOperand);
        return;
      case 'isNull':
        visitOperand(node.operand);
    }
  };
  visit(expression);
  return names;
}
