import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it, vi } from 'vitest';
import { translateAwsError } from '../../../shared/clients';
import { awsSettings, Settings } from '../../../shared/config';
import {
  ConfigurationError,
  InputValidationError,
  ObjectNotFoundError,
  TransientError,
} from '../../../shared/errors';
import { lambdaHandler } from '../../../shared/logging';
import { lambdaContext } from './context';

describe('Settings', () => {
  it('reads typed values and defaults', () => {
    const settings = new Settings({ A: ' x ', N: '42', B: 'YES' }, 'fn');
    expect(settings.string('A')).toBe('x');
    expect(settings.string('MISSING', 'd')).toBe('d');
    expect(settings.integer('N', { min: 1, max: 100 })).toBe(42);
    expect(settings.integer('MISSING', { default: 7 })).toBe(7);
    expect(settings.boolean('B', false)).toBe(true);
    expect(settings.oneOf('MISSING', ['a', 'b'], 'b')).toBe('b');
  });

  it('fails with ConfigurationError naming the function and the variable', () => {
    const settings = new Settings({ N: '4.5', E: '' }, 's3-trigger');
    expect(() => settings.string('E')).toThrow(
      new ConfigurationError('s3-trigger: environment variable E is required but not set'),
    );
    expect(() => settings.integer('N')).toThrow(/s3-trigger: environment variable N must be an integer/);
    expect(() => settings.oneOf('N', ['a'], 'a')).toThrow(ConfigurationError);
  });

  it('asks for path-style S3 addressing whenever an endpoint override is set', () => {
    expect(awsSettings({ AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000' }, 'fn').s3PathStyle).toBe(true);
    expect(awsSettings({ AWS_ENDPOINT_URL: 'http://127.0.0.1:9000' }, 'fn').s3PathStyle).toBe(true);
    expect(awsSettings({}, 'fn')).toEqual({ region: undefined, s3PathStyle: false, maxAttempts: 3 });
  });
});

describe('translateAwsError', () => {
  it('turns throttling, 5xx and dropped connections into TransientError keeping the cause', () => {
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400 },
    });
    const unavailable = Object.assign(new Error('busy'), {
      name: 'Whatever',
      $metadata: { httpStatusCode: 503 },
    });
    const reset = Object.assign(new Error('socket hang up'), { name: 'Error', code: 'ECONNRESET' });
    for (const error of [throttled, unavailable, reset]) {
      const translated = translateAwsError(error);
      expect(translated).toBeInstanceOf(TransientError);
      expect((translated as Error).cause).toBe(error);
    }
  });

  it('turns a missing key into ObjectNotFoundError and leaves other errors alone', () => {
    const missing = Object.assign(new Error('nope'), {
      name: 'NoSuchKey',
      $metadata: { httpStatusCode: 404 },
    });
    const denied = Object.assign(new Error('denied'), {
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    });
    const own = new InputValidationError('bad', 'x');
    expect(translateAwsError(missing)).toBeInstanceOf(ObjectNotFoundError);
    expect(translateAwsError(denied)).toBe(denied);
    expect(translateAwsError(own)).toBe(own);
  });
});

describe('lambdaHandler', () => {
  it('reports an SDK throttling error as TransientError, logging its name but not the event', async () => {
    const logged: string[] = [];
    const spy = vi.spyOn(Logger.prototype, 'error').mockImplementation(function (
      this: Logger,
      ...args: unknown[]
    ) {
      logged.push(JSON.stringify(args));
    });
    try {
      const handler = lambdaHandler('test-fn', async (_event: { secretRow: string }) => {
        throw Object.assign(new Error('Rate exceeded'), {
          name: 'ThrottlingException',
          $metadata: { httpStatusCode: 400 },
        });
      });
      const error = await handler({ secretRow: 'alice,42,secret' }, lambdaContext('test-fn')).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TransientError);
      expect((error as Error).name).toBe('TransientError');
      expect(logged.join('\n')).toContain('TransientError');
      expect(logged.join('\n')).not.toContain('alice');
    } finally {
      spy.mockRestore();
    }
  });

  it('returns the body result unchanged', async () => {
    const handler = lambdaHandler('test-fn', async (event: { n: number }) => ({ doubled: event.n * 2 }));
    await expect(handler({ n: 21 }, lambdaContext('test-fn'))).resolves.toEqual({ doubled: 42 });
  });
});

describe('handler cold start', () => {
  it('fails to load with ConfigurationError naming the missing variable', async () => {
    vi.resetModules();
    vi.stubEnv('TRAINING_STATE_MACHINE_ARN', '');
    try {
      const loading = import('../../../functions/s3-trigger');
      await expect(loading).rejects.toMatchObject({
        name: 'ConfigurationError',
        message: expect.stringContaining('TRAINING_STATE_MACHINE_ARN'),
      });
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('fails to load when an integer setting is malformed', async () => {
    vi.resetModules();
    vi.stubEnv('SCORE_BLOCK_ROWS', 'many');
    try {
      await expect(import('../../../functions/score-shard')).rejects.toMatchObject({
        name: 'ConfigurationError',
        message: expect.stringContaining('SCORE_BLOCK_ROWS'),
      });
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
