/**
 * `sparkmaker invoke <endpoint> --input file --content-type …`: sends a file to a local endpoint
 * in InvokeEndpoint requests under the cap (lines for CSV, LibSVM and JSON Lines; frames for
 * RecordIO-protobuf; a JSON document whole), with the endpoint mode's retries, and writes the
 * responses in order to `--output` (default: standard output). The local runtime is started to
 * host the endpoints recorded under `.sparkmaker/`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import {
  DEFAULT_MAX_REQUEST_BYTES,
  INVOKE_ENDPOINT_MAX_BODY_BYTES,
  planRequests,
  withInvokeRetries,
} from '../../../shared/endpoint';
import { RecordIOFrameReader } from '../../../shared/formats';
import { startRuntime } from '../../runtime';
import { findProjectRoot } from '../../runtime/project';
import { parseCommandLine, UsageError } from '../args';
import type { Command } from '../main';

/** Splits a request file into records (each with its separator), by content type. */
export function splitRecords(bytes: Uint8Array, contentType: string, source: string): Uint8Array[] {
  const base = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  if (base === 'application/x-recordio-protobuf' || base === 'recordio-protobuf') {
    const reader = new RecordIOFrameReader({ source });
    return [...reader.push(bytes), ...reader.end()].map((f) =>
      bytes.subarray(f.offset, f.offset + 8 + f.payload.length + ((4 - (f.payload.length % 4)) % 4)),
    );
  }
  if (base === 'application/json') return bytes.length === 0 ? [] : [bytes];
  const out: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a) {
      if (i > start) out.push(bytes.subarray(start, i + 1));
      start = i + 1;
    }
  }
  if (start < bytes.length) out.push(Buffer.concat([bytes.subarray(start), Buffer.from('\n')]));
  return out;
}

export const command: Command = {
  summary: 'send a file to a local endpoint in capped requests: invoke <endpoint> --input file',
  async run(argv: string[]): Promise<number> {
    const { values, positionals } = parseCommandLine({
      args: argv,
      options: {
        input: { type: 'string', short: 'i' },
        'content-type': { type: 'string', default: 'text/csv' },
        accept: { type: 'string' },
        output: { type: 'string', short: 'o' },
        'max-request-bytes': { type: 'string' },
        'state-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      process.stdout.write(
        'Usage: sparkmaker invoke <endpoint> --input file [--content-type text/csv] [--accept text/csv] [--output file] [--max-request-bytes 5242880] [--state-dir .sparkmaker]\n',
      );
      return 0;
    }
    const name = positionals[0];
    if (name === undefined || positionals.length > 1) throw new UsageError('give exactly one endpoint name');
    if (values.input === undefined) throw new UsageError('--input <file> is required');
    const cap =
      values['max-request-bytes'] === undefined
        ? DEFAULT_MAX_REQUEST_BYTES
        : Number(values['max-request-bytes']);
    if (!Number.isInteger(cap) || cap < 1 || cap > INVOKE_ENDPOINT_MAX_BODY_BYTES) {
      throw new UsageError(
        `--max-request-bytes must be an integer from 1 to ${INVOKE_ENDPOINT_MAX_BODY_BYTES}`,
      );
    }
    const contentType = values['content-type'];
    const records = splitRecords(new Uint8Array(await readFile(values.input)), contentType, values.input);
    const spans = planRequests(
      records.map((r) => r.length),
      { maxBytes: cap, describeRow: (i) => `${values.input} record ${i + 1}` },
    );
    const runtime = await startRuntime({
      root: findProjectRoot(),
      ...(values['state-dir'] === undefined ? {} : { stateDir: values['state-dir'] }),
      endpoints: { createDelayMs: 0 },
    });
    try {
      await runtime.sageMakerRuntime.endpoints.settled();
      const client = new SageMakerRuntimeClient({
        endpoint: runtime.sageMakerRuntime.url,
        region: runtime.config.region,
        credentials: { accessKeyId: 'sparkmaker', secretAccessKey: 'sparkmaker' },
        maxAttempts: 1,
      });
      const answers: Uint8Array[] = [];
      for (const [i, span] of spans.entries()) {
        const body = Buffer.concat(records.slice(span.start, span.end));
        const { value } = await withInvokeRetries(
          () =>
            client.send(
              new InvokeEndpointCommand({
                EndpointName: name,
                Body: body,
                ContentType: contentType,
                ...(values.accept === undefined ? {} : { Accept: values.accept }),
              }),
            ),
          `endpoint ${name}, request ${i + 1} of ${spans.length}`,
        );
        answers.push(value.Body ?? new Uint8Array());
      }
      const out = Buffer.concat(answers);
      if (values.output === undefined) process.stdout.write(out);
      else await writeFile(values.output, out);
      process.stderr.write(
        `sparkmaker invoke: ${records.length} records in ${spans.length} requests of at most ${cap} bytes to ${name}${values.output === undefined ? '' : `, responses in ${values.output}`}\n`,
      );
      return 0;
    } finally {
      await runtime.close();
    }
  },
};
