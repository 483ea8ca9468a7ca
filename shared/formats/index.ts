/**
 * sparkmaker's data formats: pure functions and streaming readers over bytes, no I/O.
 *
 * - `csv`: RFC 4180 reader, numeric fast path, writer
 * - `libsvm`: `label[:weight] [qid:n] idx:value …` with an explicit index base
 * - `recordio`: RecordIO framing (magic, length, padding) and a streaming frame reader
 * - `record-protobuf`: the `aialgs.data.Record` message (Amazon Record)
 * - `number`: number ↔ text as the text formats use it
 * - `parquet`: feature tables in Parquet (hyparquet), `jsonl`: JSON Lines
 * - `convert`: feature table → CSV / LibSVM / RecordIO-protobuf, with a quarantine for bad rows
 */
export * from './bytes';
export * from './convert';
export * from './csv';
export * from './jsonl';
export * from './libsvm';
export * from './number';
export * from './parquet';
export * from './record-protobuf';
export * from './recordio';
