/**
 * What the report and the console render, as plain data: an execution with its GetExecutionHistory
 * events, Map Runs, a model's metrics and curves, the data written. Readers (the console's state-dir
 * reader, the evaluate Lambda) fill these; the renderers never do I/O.
 */
import type { BinaryCurves } from '../evaluation/curves';

/** One GetExecutionHistory event (`id`, `previousEventId`, `timestamp`, `type` and one details member). */
export interface HistoryEventLike {
  readonly id: number;
  readonly previousEventId?: number;
  readonly timestamp: string;
  readonly type: string;
  readonly [details: string]: unknown;
}

/** DescribeExecution plus the history. */
export interface ExecutionLike {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly stateMachineName: string;
  readonly name: string;
  readonly status: string;
  readonly startDate: string;
  readonly stopDate?: string;
  readonly input?: string;
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
  readonly events: readonly HistoryEventLike[];
}

/** Item or child-execution counts of a Map Run (DescribeMapRun's `itemCounts` / `executionCounts`). */
export interface MapRunCounts {
  readonly total: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly pending: number;
  readonly running: number;
  readonly aborted: number;
  readonly timedOut: number;
}

/** One child execution (a batch of items) of a Map Run, from the ResultWriter files. */
export interface MapRunBatch {
  readonly name: string;
  readonly status: string;
  readonly startDate?: string;
  readonly stopDate?: string;
  readonly items: number;
  readonly error?: string;
  readonly cause?: string;
}

/** An item that failed, with its batch's error. */
export interface FailedItem {
  readonly batch: string;
  readonly item: string;
  readonly error?: string;
  readonly cause?: string;
}

/** A ResultWriter file. `href` is set where the viewer can open it (the console). */
export interface ResultFile {
  readonly status: string;
  readonly uri: string;
  readonly size?: number;
  readonly href?: string;
}

/** A Distributed Map run. */
export interface MapRunView {
  readonly mapRunArn: string;
  readonly stateName: string;
  readonly executionName: string;
  readonly executionArn?: string;
  readonly status: string;
  readonly startDate?: string;
  readonly stopDate?: string;
  readonly toleratedFailurePercentage?: number;
  readonly toleratedFailureCount?: number;
  readonly itemCounts: MapRunCounts;
  readonly executionCounts: MapRunCounts;
  readonly batches: readonly MapRunBatch[];
  readonly failedItems: readonly FailedItem[];
  /** Failed items beyond those listed. */
  readonly failedItemsOmitted: number;
  readonly manifest?: ResultFile;
  readonly resultFiles: readonly ResultFile[];
}

/** Feature importance from a tree model (`gain` = total loss reduction, `weight` = split count). */
export interface FeatureImportance {
  readonly feature: string;
  readonly gain: number;
  readonly weight: number;
}

/** The quality gate's decision. */
export interface GateDecision {
  readonly metric: string;
  readonly threshold: number;
  readonly value?: number;
  readonly passed: boolean;
  readonly outcome: string;
}

/** A registered model package. */
export interface PackageView {
  readonly arn: string;
  readonly group: string;
  readonly version: number;
  readonly approvalStatus: string;
  readonly description?: string;
  readonly modelDataUrl?: string;
  readonly creationTime?: string;
  readonly lastModifiedTime?: string;
}

/** A trained model: its metrics and everything derived from them. */
export interface ModelView {
  readonly runId: string;
  readonly objective?: string;
  readonly metrics: Readonly<Record<string, number>>;
  readonly metricsUri?: string;
  readonly curves?: BinaryCurves;
  readonly importance?: readonly FeatureImportance[];
  /** Clustering: rows per cluster id. */
  readonly clusterSizes?: readonly { readonly cluster: string; readonly size: number }[];
  /** PCA: variance of each component (scikit-learn's `explained_variance_`). */
  readonly explainedVariance?: readonly number[];
  /** PCA: share of the features' total variance the components keep. */
  readonly explainedVarianceRatio?: number;
  readonly gate?: GateDecision;
  readonly package?: PackageView;
  readonly modelDataUrl?: string;
}

/** A `dt=` partition of written data. */
export interface PartitionView {
  readonly uri: string;
  readonly dt: string;
  readonly files: number;
  readonly bytes: number;
  readonly rows?: number;
  readonly manifest?: string;
  readonly success: boolean;
}

/** One quarantine object with a sample of its entries. */
export interface QuarantineView {
  readonly uri: string;
  readonly total: number;
  readonly entries: readonly Readonly<Record<string, unknown>>[];
}

/** The data page. */
export interface DataPageView {
  readonly partitions: readonly PartitionView[];
  readonly quarantine: readonly QuarantineView[];
}
