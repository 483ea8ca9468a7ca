/**
 * Partitioned outputs and the manifests around them: `dt=` paths, part file names, the shard
 * manifest, the run manifest and the Distributed Map ResultWriter files. Pure: no I/O.
 */
export {
  checkShardEntry,
  encodeShardManifest,
  parseShardManifest,
  type RunManifest,
  type ShardEntry,
  type ShardFormat,
  type ShardResult,
} from './manifest';
export {
  checkDt,
  committedPartKey,
  dtPartition,
  isDataKey,
  isShardId,
  partFileName,
  partitionFileKey,
  runTag,
  scoreOutputKey,
  shardId,
  stagedPartKey,
  stagingPrefixKey,
} from './paths';
export {
  type ChildExecutionRecord,
  parseResultFile,
  parseResultWriterManifest,
  type ResultFileRef,
  type ResultWriterManifest,
} from './result-writer';
