import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedJobScripts } from '../../../../local/runtime';
import { findProjectRoot, portInUseError } from '../../../../local/runtime/project';
import { FileObjectStore } from '../../../../local/services/s3/file-store';
import { ConfigurationError } from '../../../../shared/errors';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sparkmaker-project-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('findProjectRoot', () => {
  it('walks up from a nested directory to the nearest serverless.yml', async () => {
    // Prepare
    const project = join(dir, 'walk', 'project');
    const nested = join(project, 'examples', 'inputs');
    await mkdir(nested, { recursive: true });
    await writeFile(join(project, 'serverless.yml'), 'service: x\n');

    // Act
    const root = findProjectRoot(nested, join(dir, 'nowhere'));

    // Assess
    expect(root).toBe(project);
  });

  it("falls back to the module's repository, then fails naming where it looked", async () => {
    // Prepare
    const outside = join(dir, 'outside');
    const fallback = join(dir, 'fallback');
    await mkdir(outside, { recursive: true });
    await mkdir(fallback, { recursive: true });
    await writeFile(join(fallback, 'serverless.yml'), 'service: x\n');

    // Act
    const root = findProjectRoot(outside, fallback);
    const failure = (() => {
      try {
        return findProjectRoot(outside, join(dir, 'nowhere'));
      } catch (error) {
        return error;
      }
    })();

    // Assess
    expect(root).toBe(fallback);
    expect(failure).toBeInstanceOf(ConfigurationError);
    expect((failure as Error).message).toContain(`no serverless.yml in ${outside}`);
  });
});

describe('portInUseError', () => {
  let holder: Server;
  let port: number;

  beforeAll(async () => {
    holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    port = (holder.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => holder.close(() => resolve()));
  });

  it('names the taken port and the option that moves it', async () => {
    // Prepare
    const second = createServer();
    const listenError = await new Promise<unknown>((resolve) => {
      second.once('error', resolve);
      second.listen(port, '127.0.0.1', () => resolve(undefined));
    });

    // Act
    const asApi = portInUseError(listenError, { s3Port: port + 1, apiPort: port });
    const asS3 = portInUseError(listenError, { s3Port: port, apiPort: port + 1 });
    const other = portInUseError(new Error('boom'), { s3Port: port, apiPort: port + 1 });

    // Assess
    expect(asApi).toBeInstanceOf(ConfigurationError);
    expect(asApi?.message).toContain(`API port ${port} (--api-port) is already in use`);
    expect(asS3?.message).toContain(`S3 endpoint port ${port} (--port) is already in use`);
    expect(asS3?.message).toContain('LocalStack');
    expect(other).toBeUndefined();
  });
});

describe('seedJobScripts', () => {
  it('uploads a job script again after an edit that keeps its length', async () => {
    // Prepare
    const root = join(dir, 'seed');
    await mkdir(join(root, 'jobs', 'features'), { recursive: true });
    const store = new FileObjectStore(join(dir, 'seed-state'));
    await store.createBucket('artifacts');
    const sql = join(root, 'jobs', 'features', 'features.sql');
    await writeFile(sql, 'SELECT 1 AS a');
    await seedJobScripts(root, store, 'artifacts');
    await writeFile(sql, 'SELECT 2 AS a');

    // Act
    await seedJobScripts(root, store, 'artifacts');
    const body = Buffer.from(await store.getObject('artifacts', 'jobs/features/features.sql')).toString();

    // Assess
    expect(body).toBe('SELECT 2 AS a');
  });
});
