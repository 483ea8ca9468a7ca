/**
 * The conformance case format (`conformance/README.md` of the shared references): one execution
 * recorded on AWS Step Functions, with its definition, input, Lambda behaviours, S3 fixtures and
 * the status / output / error / cause AWS returned.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A Lambda function a case invokes, and what its handler does. */
export interface CaseLambda {
  arn: string;
  handler: string;
  behaviour?: string;
}

/** What AWS returned for the execution. */
export interface CaseExpectation {
  status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  output?: unknown;
  output_repr?: string;
  error?: string | null;
  cause?: unknown;
  cause_repr?: string | null;
}

/** One recorded execution. */
export interface ConformanceCase {
  id: string;
  category?: string;
  definition: object;
  input: unknown;
  expected: CaseExpectation;
  expected_has_placeholders?: boolean;
  lambda_functions?: Record<string, CaseLambda>;
  s3_objects?: Record<string, { text?: string; base64?: string }>;
  tags?: string[];
  state_machine_type?: 'STANDARD' | 'EXPRESS';
  /** The recorded GetExecutionHistory events (null where the recording kept none). */
  expected_events?: { id: number; previousEventId: number; type: string }[] | null;
}

/** Every `*.json` file under `dir`, recursively, sorted by path. */
export async function listCaseFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await listCaseFiles(path)));
    else if (entry.isFile() && entry.name.endsWith('.json')) files.push(path);
  }
  return files.sort();
}

/** Reads and checks one case file; throws naming the file and the missing field. */
export async function loadCase(file: string): Promise<ConformanceCase> {
  let data: Partial<ConformanceCase>;
  try {
    data = JSON.parse(await readFile(file, 'utf8')) as Partial<ConformanceCase>;
  } catch (error) {
    throw new Error(`${file}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  for (const field of ['id', 'definition', 'expected'] as const) {
    if (data[field] === undefined) throw new Error(`${file}: the case has no '${field}' field`);
  }
  if (typeof data.expected?.status !== 'string') throw new Error(`${file}: expected.status is missing`);
  return data as ConformanceCase;
}
