import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, type Console, startConsole } from '../../../../local/console/server';
import { MemoryObjectStore } from '../../../../local/services/object-store';
import { createSageMakerService } from '../../../../local/services/sagemaker';

/** A raw HTTP GET/POST (so the Host header can be set), resolving to status, headers and body. */
function send(
  port: number,
  path: string,
  options: { method?: string; host?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: { host: options.host ?? `127.0.0.1:${port}`, ...(options.headers ?? {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('the console server', () => {
  let stateDir: string;
  let server: Console;
  let arn: string;

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'sparkmaker-console-'));
    const sagemaker = createSageMakerService({ store: new MemoryObjectStore(), stateDir });
    await sagemaker.api('CreateModelPackageGroup', { ModelPackageGroupName: 'g' });
    ({ ModelPackageArn: arn } = (await sagemaker.api('CreateModelPackage', {
      ModelPackageGroupName: 'g',
      ModelApprovalStatus: 'PendingManualApproval',
      CustomerMetadataProperties: { runId: 'train-1' },
    })) as { ModelPackageArn: string });
    await mkdir(join(stateDir, 's3', 'bucket', 'dir'), { recursive: true });
    await writeFile(join(stateDir, 's3', 'bucket', 'dir', 'a.json'), '<b>not markup</b>');
    await writeFile(join(stateDir, 'secret.txt'), 'outside the buckets');
    server = await startConsole({ stateDir, token: 'a'.repeat(64) });
  });

  afterAll(async () => {
    await server.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 with the token in its URL', () => {
    expect(server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/\\?token=a{64}$`));
  });

  it('refuses a request without the token, or with a wrong one', async () => {
    expect((await send(server.port, '/')).status).toBe(403);
    expect((await send(server.port, `/?token=${'b'.repeat(64)}`)).status).toBe(403);
    expect((await send(server.port, '/assets/app.js')).status).toBe(403);
  });

  it('refuses a request naming another host (DNS rebinding)', async () => {
    const response = await send(server.port, `/?token=${server.token}`, {
      host: `evil.example:${server.port}`,
    });
    expect(response.status).toBe(403);
  });

  it('serves pages with the token under a strict Content-Security-Policy', async () => {
    const response = await send(server.port, `/?token=${server.token}`);
    expect(response.status).toBe(200);
    expect(response.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(response.body).toContain('<h1>Executions</h1>');
    expect(response.body).not.toMatch(/<script>/);
  });

  it('serves stored objects as sandboxed text and refuses paths out of the buckets', async () => {
    const ok = await send(server.port, `/s3/bucket/dir/a.json?token=${server.token}`);
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toMatch(/^text\/plain/);
    expect(ok.headers['content-security-policy']).toContain('sandbox');
    const out = await send(server.port, `/s3/bucket/..%2F..%2Fsecret.txt?token=${server.token}`);
    expect(out.status).toBe(404);
  });

  it('approves a model package through UpdateModelPackage, with the token in a header', async () => {
    const refused = await send(server.port, '/api/model-packages', {
      method: 'POST',
      body: JSON.stringify({ arn, status: 'Approved' }),
    });
    expect(refused.status).toBe(403);
    const response = await send(server.port, '/api/model-packages', {
      method: 'POST',
      headers: { 'x-sparkmaker-token': server.token, 'content-type': 'application/json' },
      body: JSON.stringify({ arn, status: 'Approved' }),
    });
    expect(response.status, response.body).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ arn, approvalStatus: 'Approved' });
    const stored = JSON.parse(
      await readFile(
        join(stateDir, 'sagemaker', 'model-packages', `${encodeURIComponent('g/00000001')}.json`),
        'utf8',
      ),
    );
    expect(stored.ModelApprovalStatus).toBe('Approved');
  });

  it('answers a bad approval request with 400 naming what was expected', async () => {
    const response = await send(server.port, '/api/model-packages', {
      method: 'POST',
      headers: { 'x-sparkmaker-token': server.token },
      body: JSON.stringify({ arn, status: 'Maybe' }),
    });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body).message).toContain("'Approved' | 'Rejected'");
  });
});
