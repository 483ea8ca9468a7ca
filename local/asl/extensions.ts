/**
 * Loads the intrinsic functions and AWS's JSONata functions (written beside the core) once, so the
 * synchronous payload evaluation can call them. Missing modules fall back to failing calls.
 */
import { StatesError } from './errors';

type EvaluateIntrinsic = (
  expression: string,
  resolvePath: (path: string) => unknown,
  options?: { random?: () => number; uuid?: () => string },
) => unknown;
type AwsBindings = (options?: {
  random?: () => number;
  uuid?: () => string;
  partition?: string;
}) => Record<string, unknown>;

interface Extensions {
  isIntrinsicCall(text: string): boolean;
  evaluateIntrinsic: EvaluateIntrinsic;
  awsJsonataBindings: AwsBindings;
}

const fallback: Extensions = {
  isIntrinsicCall: (text) => /^States\.[A-Za-z0-9]+\(/.test(text.trim()),
  evaluateIntrinsic: (expression) => {
    throw new StatesError('States.Runtime', `Intrinsic functions are not available: ${expression}`);
  },
  awsJsonataBindings: () => ({}),
};

let loaded: Extensions = fallback;
let loading: Promise<Extensions> | undefined;

async function tryImport(specifier: string): Promise<Record<string, unknown> | undefined> {
  try {
    return (await import(specifier)) as Record<string, unknown>;
  } catch (error) {
    if (
      error instanceof Error &&
      /Cannot find module|ERR_MODULE_NOT_FOUND|Failed to load/.test(String(error))
    ) {
      return undefined;
    }
    throw error;
  }
}

/** Loads the extension modules (idempotent). */
export function loadExtensions(): Promise<Extensions> {
  loading ??= (async () => {
    const intrinsics = await tryImport(new URL('./intrinsics/index.ts', import.meta.url).href).catch(() =>
      tryImport('./intrinsics/index'),
    );
    const functions = await tryImport(new URL('./jsonata-functions.ts', import.meta.url).href).catch(() =>
      tryImport('./jsonata-functions'),
    );
    loaded = {
      isIntrinsicCall:
        typeof intrinsics?.isIntrinsicCall === 'function'
          ? (intrinsics.isIntrinsicCall as Extensions['isIntrinsicCall'])
          : fallback.isIntrinsicCall,
      evaluateIntrinsic:
        typeof intrinsics?.evaluateIntrinsic === 'function'
          ? (intrinsics.evaluateIntrinsic as EvaluateIntrinsic)
          : fallback.evaluateIntrinsic,
      awsJsonataBindings:
        typeof functions?.awsJsonataBindings === 'function'
          ? (functions.awsJsonataBindings as AwsBindings)
          : fallback.awsJsonataBindings,
    };
    return loaded;
  })();
  return loading;
}

/** The loaded extensions (the fallbacks until {@link loadExtensions} has settled). */
export function extensions(): Extensions {
  return loaded;
}
