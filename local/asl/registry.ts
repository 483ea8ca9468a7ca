import type { TaskHandler } from './types';

type Matcher = string | RegExp | ((resource: string) => boolean);

/**
 * Maps Task Resource ARNs to handlers. The interpreter knows no AWS service: the offline runtime
 * registers Lambda, S3, EMR Serverless, SageMaker and EventBridge here. The last registration
 * that matches wins, so a test can override a broad handler with a narrower one.
 *
 * @example
 * const registry = new ResourceRegistry().register('arn:aws:states:::events:putEvents', async () => ({}));
 */
export class ResourceRegistry {
  private readonly entries: { match: Matcher; handler: TaskHandler }[] = [];

  /** Adds a handler for the resources `match` accepts (exact string, RegExp or predicate). */
  register(match: Matcher, handler: TaskHandler): this {
    this.entries.push({ match, handler });
    return this;
  }

  /** The handler for `resource`, or undefined when none matches. */
  resolve(resource: string): TaskHandler | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const { match, handler } = this.entries[i]!;
      if (
        typeof match === 'string'
          ? match === resource
          : match instanceof RegExp
            ? match.test(resource)
            : match(resource)
      ) {
        return handler;
      }
    }
    return undefined;
  }
}
