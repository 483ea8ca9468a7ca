import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarize } from '../../../local/runtime/summary';
import type { ExecutionRecord } from '../../../local/services/sfn';

const bin = fileURLToPath(new URL('../../../bin/sparkmaker.js', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

describe('the sparkmaker command line', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sparkmaker-cli-'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints its version with --version', () => {
    const result = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' });

    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`sparkmaker ${pkg.version}\n`);
  });

  it('runs as an npm script, which never asks the npm registry (outside the checkout it fails locally)', () => {
    const inside = spawnSync('npm', ['run', '--silent', 'sparkmaker', '--', '--version'], {
      cwd: fileURLToPath(new URL('../../..', import.meta.url)),
      encoding: 'utf8',
      env: { ...process.env, npm_config_registry: 'http://127.0.0.1:9/' },
    });
    const outside = spawnSync('npm', ['run', 'sparkmaker', '--', '--version'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, npm_config_registry: 'http://127.0.0.1:9/' },
    });

    expect(inside.stdout).toBe(`sparkmaker ${pkg.version}\n`);
    expect(outside.status).not.toBe(0);
    expect(outside.stderr).toMatch(/package\.json/);
    expect(outside.stderr).not.toMatch(/registry|E404|ECONNREFUSED/);
  }, 60_000);

  it('ends quietly with exit code 0 when the reader of its output goes away (executions | head)', async () => {
    const stateDir = join(dir, 'state');
    mkdirSync(join(stateDir, 'executions', 'training'), { recursive: true });
    for (let i = 0; i < 3000; i++) {
      const record = {
        executionArn: `arn:aws:states:us-east-1:000000000000:execution:training:run-${i}`,
        stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:training',
        stateMachineName: 'training',
        name: `run-${String(i).padStart(5, '0')}`,
        status: 'SUCCEEDED',
        startDate: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
        stopDate: new Date(Date.UTC(2026, 0, 1, 0, 1, i)).toISOString(),
        input: '{}',
        events: [],
      };
      writeFileSync(join(stateDir, 'executions', 'training', `run-${i}.json`), JSON.stringify(record));
    }

    const child = spawn(process.execPath, [bin, 'executions', '--state-dir', stateDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    // Read one chunk, then close the pipe as `head -1` does.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));

    expect(stderr).toBe('');
    expect(code).toBe(0);
  }, 60_000);

  it('caps a message quoting a 20 MB header line to a few hundred characters and shows the cut', () => {
    const header = `id,${'h'.repeat(20 * 1024 * 1024)},x`;
    writeFileSync(join(dir, 'wide.csv'), `${header}\n1,2,3\n`);

    const result = spawnSync(
      process.execPath,
      [bin, 'convert', join(dir, 'wide.csv'), join(dir, 'out.csv'), '--to', 'csv'],
      {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      },
    );

    expect(result.status).toBe(1);
    expect(result.stderr.length).toBeLessThan(700);
    expect(result.stderr).toMatch(/no label column 'label'/);
    expect(result.stderr).toMatch(/\[\d+ characters cut\]/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  it('shows a failed execution with the cause message only, not the stack trace kept in its history', () => {
    const cause = JSON.stringify({
      errorType: 'ModelFormatError',
      errorMessage: 'model archive is not valid gzip data',
      trace: [
        'ModelFormatError: model archive is not valid gzip data',
        '    at loadModel (/x/shared/model/load.ts:1:1)',
      ],
    });
    const record = {
      executionArn: 'arn',
      stateMachineArn: 'arn',
      stateMachineName: 'scoring',
      name: 'score-1',
      status: 'FAILED',
      startDate: '2026-01-01T00:00:00.000Z',
      stopDate: '2026-01-01T00:00:01.000Z',
      input: '{}',
      error: 'ModelFormatError',
      cause,
      events: [],
    } as ExecutionRecord;

    const lines = summarize(record, dir);

    expect(lines).toContain('  cause: model archive is not valid gzip data');
    expect(lines.join('\n')).not.toMatch(/\bat loadModel|trace/);
  });
});
