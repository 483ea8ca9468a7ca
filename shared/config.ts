/**
 * Typed readers for a function's configuration. Handlers call them once, at module scope (cold
 * start), on `process.env`; everything below the handler receives plain option objects. A missing or
 * malformed setting fails the cold start with a {@link ConfigurationError} naming the variable.
 *
 * @example
 * ```ts
 * const settings = new Settings(process.env, 's3-trigger');
 * const config = { stateMachineArn: settings.string('TRAINING_STATE_MACHINE_ARN') };
 * ```
 */
import { ConfigurationError } from './errors';

/** The environment a function reads its settings from (`process.env` in a handler). */
export type Environment = Readonly<Record<string, string | undefined>>;

/** Bounds and default of an integer setting. */
export interface IntegerSettingOptions {
  readonly default?: number;
  readonly min?: number;
  readonly max?: number;
}

/** Reads settings from one environment; every getter throws {@link ConfigurationError} when invalid. */
export class Settings {
  constructor(
    private readonly env: Environment,
    /** The function whose configuration this is, named in error messages. */
    private readonly owner: string,
  ) {}

  /** A required non-empty string, or the default when one is given. */
  string(name: string, fallback?: string): string {
    const value = this.raw(name);
    if (value !== undefined) return value;
    if (fallback !== undefined) return fallback;
    throw new ConfigurationError(`${this.owner}: environment variable ${name} is required but not set`);
  }

  /** A string that may be absent. */
  optionalString(name: string): string | undefined {
    return this.raw(name);
  }

  /** An integer within bounds. */
  integer(name: string, options: IntegerSettingOptions = {}): number {
    const value = this.raw(name);
    if (value === undefined) {
      if (options.default !== undefined) return options.default;
      throw new ConfigurationError(`${this.owner}: environment variable ${name} is required but not set`);
    }
    const parsed = Number(value);
    const min = options.min ?? Number.MIN_SAFE_INTEGER;
    const max = options.max ?? Number.MAX_SAFE_INTEGER;
    if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      throw new ConfigurationError(
        `${this.owner}: environment variable ${name} must be an integer between ${min} and ${max}, got '${value}'`,
      );
    }
    return parsed;
  }

  /** `true`/`1`/`yes` or `false`/`0`/`no` (any case). */
  boolean(name: string, fallback: boolean): boolean {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const lower = value.toLowerCase();
    if (['true', '1', 'yes'].includes(lower)) return true;
    if (['false', '0', 'no'].includes(lower)) return false;
    throw new ConfigurationError(
      `${this.owner}: environment variable ${name} must be true or false, got '${value}'`,
    );
  }

  /** One of a fixed set of values. */
  oneOf<const T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    throw new ConfigurationError(
      `${this.owner}: environment variable ${name} must be one of ${allowed.join(', ')}, got '${value}'`,
    );
  }

  private raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }
}

/** Options for the AWS SDK clients, derived from the standard AWS variables. */
export interface AwsSettings {
  /** Region for the clients; undefined lets the SDK resolve it (AWS_REGION on Lambda). */
  readonly region: string | undefined;
  /**
   * True when an S3 endpoint override is set (`AWS_ENDPOINT_URL_S3` or `AWS_ENDPOINT_URL`, as the
   * offline runtime does): the SDK honours the URL itself, but the local endpoint needs path-style
   * addressing (`http://host/bucket/key`) rather than `bucket.host`.
   */
  readonly s3PathStyle: boolean;
  /** Attempts per SDK call (first try included) before a throttling error reaches the handler. */
  readonly maxAttempts: number;
}

/** Reads {@link AwsSettings} from the standard AWS environment variables. */
export function awsSettings(env: Environment, owner: string): AwsSettings {
  const settings = new Settings(env, owner);
  const endpoint =
    settings.optionalString('AWS_ENDPOINT_URL_S3') ?? settings.optionalString('AWS_ENDPOINT_URL');
  return {
    region: settings.optionalString('AWS_REGION') ?? settings.optionalString('AWS_DEFAULT_REGION'),
    s3PathStyle: endpoint !== undefined || settings.boolean('SPARKMAKER_S3_PATH_STYLE', false),
    maxAttempts: settings.integer('AWS_MAX_ATTEMPTS', { default: 3, min: 1, max: 10 }),
  };
}
