/**
 * The views people read: an execution's state-machine graph coloured by outcome, its event history
 * and timeline, Map Runs, a model's metrics and curves, the data written. Pure HTML/SVG rendering
 * (no I/O) shared by the local console (`local/console`) and the evaluate Lambda's report.
 *
 * @example
 * const page = renderReport({ execution, definition, model, mapRunViews });
 */
export { barChart, confusionMatrix, histogram, lineChart, timeline } from './charts';
export { type AslBlock, type GraphOptions, renderGraph, stateTypes } from './graph';
export {
  analyzeHistory,
  eventDetails,
  type HistoryAnalysis,
  type StateOutcome,
  type StateRun,
  type StateSummary,
} from './history';
export { escapeHtml, formatDuration, formatNumber, html, jsonForScript, raw, SafeHtml } from './html';
export { featureImportance } from './importance';
export {
  type ExecutionPageView,
  executionRow,
  executionsTable,
  type Links,
  type MapRunRef,
  type PageOptions,
  type ReportView,
  renderDataView,
  renderExecutionView,
  renderMapRunView,
  renderModelReport,
  renderModelView,
  renderPage,
  renderReport,
} from './pages';
export { STATE_PANEL_SCRIPT, STYLE } from './style';
export type * from './types';
