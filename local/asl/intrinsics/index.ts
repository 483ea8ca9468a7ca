/**
 * Intrinsic functions (`States.Format(...)`, `States.Array(...)`, …) for JSONPath states.
 *
 * @example
 * ```ts
 * evaluateIntrinsic("States.Format('Hello {}', $.name)", (path) => jsonPath(input, path)); // 'Hello Ada'
 * ```
 */
import { StateEvaluationError, StatesError } from '../errors';
import { defaultUuid, INTRINSIC_FUNCTIONS } from './functions';
import { type CallNode, type IntrinsicNode, looksLikeIntrinsicCall, parseIntrinsic } from './parser';

export {
  formatValue,
  hashHex,
  INTRINSIC_FUNCTIONS,
  jsonEquals,
  seededRandom,
  tokenize,
} from './functions';
export type { CallNode, IntrinsicNode } from './parser';
export { parseIntrinsic } from './parser';

/** Options of {@link evaluateIntrinsic}: injectable randomness for States.MathRandom and States.UUID. */
export interface IntrinsicOptions {
  random?: () => number;
  uuid?: () => string;
}

/** True when `text` is an intrinsic function call (`States.<Name>(…)`), the value of a `.$` field. */
export function isIntrinsicCall(text: string): boolean {
  return looksLikeIntrinsicCall(text);
}

/**
 * Checks an intrinsic call without evaluating it, as CreateStateMachine does: undefined when it
 * parses and names only known functions, else what is wrong (for a definition-time error).
 */
export function intrinsicProblem(text: string): string | undefined {
  let call: CallNode;
  try {
    call = parseIntrinsic(text);
  } catch (error) {
    return error instanceof StatesError ? (error.cause ?? error.message) : String(error);
  }
  const unknown = (node: IntrinsicNode): string | undefined => {
    if (node.kind !== 'call') return undefined;
    if (!INTRINSIC_FUNCTIONS[node.name]) return `'${node.name}' is not an intrinsic function`;
    for (const arg of node.args) {
      const problem = unknown(arg);
      if (problem) return problem;
    }
    return undefined;
  };
  return unknown(call);
}

/**
 * Evaluates an intrinsic call. `resolvePath` receives each `$.x`, `$$.x` or `$var.x` argument and
 * returns its value (throwing AWS's error when it matches nothing).
 * Throws a `States.Runtime` StatesError for a syntax error, an unknown function or invalid arguments.
 */
export function evaluateIntrinsic(
  expression: string,
  resolvePath: (path: string) => unknown,
  options: IntrinsicOptions = {},
): unknown {
  const call = parseIntrinsic(expression);
  const random = options.random ?? Math.random;
  const uuid = options.uuid ?? defaultUuid;
  const evaluate = (node: IntrinsicNode): unknown => {
    switch (node.kind) {
      case 'string':
      case 'literal':
        return node.value;
      case 'path':
        return resolvePath(node.path);
      case 'call': {
        const fn = INTRINSIC_FUNCTIONS[node.name];
        if (!fn) {
          throw new StateEvaluationError(
            'States.Runtime',
            `The function '${node.name}' is not a known intrinsic function`,
          );
        }
        const args = node.args.map(evaluate);
        const first = node.args[0];
        const rawTemplate = node.name === 'States.Format' && first?.kind === 'string' ? first.raw : undefined;
        return fn(args, {
          text: node.text,
          random,
          uuid,
          ...(rawTemplate === undefined ? {} : { rawTemplate }),
        });
      }
    }
  };
  return evaluate(call);
}
