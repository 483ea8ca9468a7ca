/**
 * `sparkmaker report`'s content: one execution with its graph, history and timeline, the model it
 * trained (metrics, curves, importance, gate, package) and each of its Map Runs, read from the state
 * directory and rendered by `shared/report` into one self-contained file.
 */
import type { ExecutionLike, MapRunView, ReportView } from '../../shared/report';
import type { ConsoleState } from './state';

/** Reads everything the report of `execution` shows. Links to console URLs are dropped. */
export async function buildReport(state: ConsoleState, execution: ExecutionLike): Promise<ReportView> {
  const definition = await state.definition(execution.stateMachineName);
  const mapRuns = state.mapRuns(execution);
  const mapRunViews: MapRunView[] = [];
  for (const ref of mapRuns) {
    const run = await state.mapRun(execution, ref.mapRunArn);
    if (run === undefined) continue;
    const { manifest, resultFiles, ...rest } = run;
    mapRunViews.push({
      ...rest,
      ...(manifest === undefined
        ? {}
        : {
            manifest: {
              status: manifest.status,
              uri: manifest.uri,
              ...(manifest.size === undefined ? {} : { size: manifest.size }),
            },
          }),
      resultFiles: resultFiles.map((f) => ({
        status: f.status,
        uri: f.uri,
        ...(f.size === undefined ? {} : { size: f.size }),
      })),
    });
  }
  const model = await state.model(execution.name);
  return {
    execution,
    ...(definition === undefined ? {} : { definition }),
    mapRuns,
    mapRunViews,
    ...(model === undefined ? {} : { model, modelRunId: execution.name }),
    generatedAt: new Date().toISOString(),
  };
}
