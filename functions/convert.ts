/**
 * convert: one feature object (or byte range) → the training content type (label-first CSV, 0-based
 * LibSVM, or RecordIO-protobuf dense/sparse). The target appears only when the conversion succeeded;
 * rows that cannot be converted go to a quarantine object with their reasons.
 */
import { s3Client } from '../shared/clients';
import { awsSettings, Settings } from '../shared/config';
import { lambdaHandler, MetricUnit } from '../shared/logging';
import { convertObject, inputFormatOf } from './lib/convert';
import { Payload } from './lib/payload';

const settings = new Settings(process.env, 'convert');
const partSizeBytes = settings.integer('CONVERT_PART_SIZE_BYTES', {
  default: 16 * 1024 * 1024,
  min: 5 * 1024 * 1024,
});
const s3 = s3Client(awsSettings(process.env, 'convert'));

export const handler = lambdaHandler('convert', async (event: unknown, { logger, metrics }) => {
  const payload = new Payload(event, 'convert');
  const source = payload.location('source');
  const range = payload.has('range') ? payload.object('range') : undefined;
  const result = await convertObject(s3, {
    source,
    target: payload.writableLocation('target'),
    to: payload.oneOf('to', ['csv', 'libsvm', 'recordio-protobuf']),
    from: payload.oneOf('from', ['csv', 'parquet', 'jsonl'], inputFormatOf(source.key)),
    sparse: payload.boolean('sparse', false),
    label: payload.optionalString('label') ?? 'label',
    ...(payload.has('features') ? { features: payload.strings('features') } : {}),
    ...(range === undefined
      ? {}
      : { range: { start: range.integer('start', 0), end: range.integer('end', 0) } }),
    ...(payload.has('quarantineUri') ? { quarantine: payload.writableLocation('quarantineUri') } : {}),
    partSizeBytes,
  });
  logger.info('object converted', {
    target: result.target,
    rows: result.rows,
    quarantined: result.quarantined,
  });
  metrics.addMetric('ConvertedRows', MetricUnit.Count, result.rows);
  metrics.addMetric('QuarantinedRows', MetricUnit.Count, result.quarantined);
  return {
    rows: result.rows,
    quarantined: result.quarantined,
    target: result.target,
    ...(result.quarantineUri === undefined ? {} : { quarantineUri: result.quarantineUri }),
  };
});
