/**
 * The Node.js Lambda runtime's error envelope, `{errorType, errorMessage, trace}`: what a failed
 * invocation returns as its payload. Plain JavaScript, shared by the service (TypeScript) and the
 * worker threads (which run before any TypeScript loader is in place).
 *
 * @param {unknown} error
 * @returns {{ errorType: string, errorMessage: string, trace: string[] }}
 */
export function errorEnvelope(error) {
  if (error instanceof Error) {
    return {
      errorType: error.name || 'Error',
      errorMessage: error.message,
      trace: (error.stack ?? `${error.name}: ${error.message}`).split('\n'),
    };
  }
  return {
    errorType: typeof error === 'string' ? 'string' : 'Error',
    errorMessage: String(error),
    trace: [],
  };
}
