/** Training runs as models: metrics, curves, gate, importance, and the local Model Registry's packages. */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BinaryCurves } from '../../shared/evaluation/curves';
import { loadModel } from '../../shared/model';
import {
  analyzeHistory,
  type ExecutionLike,
  eventDetails,
  featureImportance,
  type GateDecision,
  type ModelView,
  type PackageView,
} from '../../shared/report';
import { FileObjectStore } from '../services/s3/file-store';
import { createSageMakerService } from '../services/sagemaker';
import type { ModelPackage } from '../services/sagemaker/registry';
import { obj, parseJson, type StateObjects } from './state-files';

/** The training run `runId` as a model: metrics, curves, gate, package, importance. */
/** The training run `runId` as a model: metrics, curves, gate, package, importance. */
export async function readModel(
  objects: StateObjects,
  runId: string,
  execution: ExecutionLike | undefined,
  packages: readonly ModelPackage[],
): Promise<ModelView | undefined> {
  const analysis = execution === undefined ? undefined : analyzeHistory(execution.events, execution.status);
  const evaluation = obj(parseJson(analysis?.states.get('Evaluate')?.output));
  let metricsUri = typeof evaluation?.metricsUri === 'string' ? evaluation.metricsUri : undefined;
  metricsUri ??= (await objects.exists('sparkmaker-artifacts', `runs/${runId}/metrics.json`))
    ? `s3://sparkmaker-artifacts/runs/${runId}/metrics.json`
    : undefined;
  const pkg = packages.find((p) => p.CustomerMetadataProperties?.runId === runId);
  if (metricsUri === undefined && pkg === undefined) return undefined;
  const metricsDoc = metricsUri === undefined ? undefined : obj(parseJson(await objects.readUri(metricsUri)));
  const metrics: Record<string, number> = {};
  for (const [k, v] of Object.entries(obj(metricsDoc?.metrics) ?? {}))
    if (typeof v === 'number') metrics[k] = v;
  if (metricsDoc === undefined && pkg !== undefined) {
    for (const [k, v] of Object.entries(pkg.CustomerMetadataProperties ?? {})) {
      if (k.startsWith('metric:') && Number.isFinite(Number(v))) metrics[k.slice(7)] = Number(v);
    }
  }
  const curvesUri = metricsUri?.replace(/[^/]*$/, 'curves.json');
  const curves =
    curvesUri === undefined ? undefined : parseJson<BinaryCurves>(await objects.readUri(curvesUri));
  const nested = obj(metricsDoc?.metrics) ?? {};
  const numberList = (...keys: string[]): number[] | undefined => {
    for (const key of keys) {
      const v = metricsDoc?.[key] ?? nested[key];
      if (Array.isArray(v) && v.every((x) => typeof x === 'number')) return v as number[];
    }
    return undefined;
  };
  // KMeans: `clusterSizes` as {cluster id: rows} (or a list); PCA: `explainedVariance` per component.
  const sizesValue = metricsDoc?.clusterSizes ?? nested.clusterSizes;
  const clusterSizes = Array.isArray(sizesValue)
    ? sizesValue
        .filter((v) => typeof v === 'number')
        .map((size, i) => ({ cluster: String(i), size: size as number }))
    : Object.entries(obj(sizesValue) ?? {})
        .filter(([, v]) => typeof v === 'number')
        .map(([cluster, size]) => ({ cluster, size: size as number }))
        .sort((a, b) => Number(a.cluster) - Number(b.cluster) || a.cluster.localeCompare(b.cluster));
  const explainedVariance = numberList('explainedVariance', 'explained_variance');
  const ratio = metricsDoc?.explainedVarianceRatio ?? nested.explainedVarianceRatio;
  const config =
    obj(parseJson(analysis?.states.get('ValidateInput')?.output)) ?? obj(parseJson(execution?.input));
  const gateConfig = obj(config?.gate);
  let gate: GateDecision | undefined;
  if (
    gateConfig !== undefined &&
    typeof gateConfig.metric === 'string' &&
    typeof gateConfig.threshold === 'number'
  ) {
    const registered = analysis?.states.has('RegisterModel') === true;
    const rejected = analysis?.states.has('GateRejected') === true;
    if (registered || rejected) {
      const value = metrics[gateConfig.metric];
      gate = {
        metric: gateConfig.metric,
        threshold: gateConfig.threshold,
        ...(value === undefined ? {} : { value }),
        passed: registered,
        outcome: registered
          ? `model registered${pkg === undefined ? '' : ` (${pkg.ModelApprovalStatus} at registration)`}`
          : 'QualityGateError: the run failed and no package was registered',
      };
    }
  }
  const modelDataUrl = findModelDataUrl(execution) ?? packageModelUrl(pkg);
  let importance: ModelView['importance'];
  if (modelDataUrl !== undefined) {
    const bytes = await objects.readUriBytes(modelDataUrl);
    if (bytes !== undefined) {
      try {
        const model = loadModel(bytes);
        const columnsUri = pkg?.CustomerMetadataProperties?.featureColumnsUri;
        const columns =
          columnsUri === undefined ? [] : (parseJson<string[]>(await objects.readUri(columnsUri)) ?? []);
        importance = featureImportance(model.spec, columns);
      } catch {
        // Not an XGBoost tree model (KMeans, PCA, …): no importance.
      }
    }
  }
  return {
    runId,
    ...(typeof metricsDoc?.objective === 'string' ? { objective: metricsDoc.objective } : {}),
    metrics,
    ...(metricsUri === undefined ? {} : { metricsUri }),
    ...(curves?.kind === 'binary' ? { curves } : {}),
    ...(importance === undefined ? {} : { importance }),
    ...(clusterSizes.length === 0 ? {} : { clusterSizes }),
    ...(explainedVariance === undefined ? {} : { explainedVariance }),
    ...(typeof ratio === 'number' ? { explainedVarianceRatio: ratio } : {}),
    ...(gate === undefined ? {} : { gate }),
    ...(pkg === undefined ? {} : { package: packageView(pkg) }),
    ...(modelDataUrl === undefined ? {} : { modelDataUrl }),
  };
}

/** Every model package of the local Model Registry, newest first. */
/** Every model package of the local Model Registry, newest first. */
export async function listPackages(stateDir: string): Promise<ModelPackage[]> {
  const dir = join(stateDir, 'sagemaker', 'model-packages');
  const files = await readdir(dir).catch(() => [] as string[]);
  const out: ModelPackage[] = [];
  for (const f of files.filter((f) => f.endsWith('.json'))) {
    const p = parseJson<ModelPackage>(await readFile(join(dir, f), 'utf8').catch(() => undefined));
    if (p !== undefined) out.push(p);
  }
  return out.sort((a, b) => b.CreationTime.localeCompare(a.CreationTime));
}

/** Training runs that wrote metrics (run ids), newest first. */
/** Training runs that wrote metrics (run ids), newest first. */
export async function listModelRuns(
  objects: StateObjects,
  packages: readonly ModelPackage[],
): Promise<string[]> {
  const runs = await readdir(join(objects.s3Root, 'sparkmaker-artifacts', 'runs')).catch(
    () => [] as string[],
  );
  const withMetrics: string[] = [];
  for (const run of runs)
    if (await objects.exists('sparkmaker-artifacts', `runs/${run}/metrics.json`)) withMetrics.push(run);
  for (const p of packages) {
    const runId = p.CustomerMetadataProperties?.runId;
    if (runId !== undefined && !withMetrics.includes(runId)) withMetrics.push(runId);
  }
  return withMetrics.sort().reverse();
}

/**
 * Approves or rejects a package with UpdateModelPackage on the local SageMaker API (the same
 * operation `sparkmaker dev` serves, over the same state directory).
 */
export async function updateModelPackage(
  stateDir: string,
  arn: string,
  status: 'Approved' | 'Rejected',
  description: string | undefined,
  packages: () => Promise<ModelPackage[]>,
): Promise<PackageView> {
  const sagemaker = createSageMakerService({
    store: new FileObjectStore(stateDir),
    stateDir: stateDir,
  });
  await sagemaker.api('UpdateModelPackage', {
    ModelPackageArn: arn,
    ModelApprovalStatus: status,
    ApprovalDescription: description ?? `${status} in the sparkmaker console`,
  });
  const described = (await sagemaker.api('DescribeModelPackage', {
    ModelPackageName: arn,
  })) as unknown as ModelPackage;
  const pkg = (await packages()).find((p) => p.ModelPackageArn === arn);
  return packageView(pkg ?? described);
}

/** The trained model's S3 URI: `modelDataUrl` in the execution's output, else in a state's output. */
function findModelDataUrl(execution: ExecutionLike | undefined): string | undefined {
  if (execution === undefined) return undefined;
  const outputs = [execution.output, ...[...execution.events].reverse().map((e) => eventDetails(e)?.output)];
  for (const text of outputs) {
    if (typeof text !== 'string' || !text.includes('modelDataUrl')) continue;
    const url = obj(parseJson(text))?.modelDataUrl;
    if (typeof url === 'string') return url;
  }
  return undefined;
}

function packageModelUrl(pkg: ModelPackage | undefined): string | undefined {
  const spec = obj(pkg?.InferenceSpecification);
  const containers = Array.isArray(spec?.Containers) ? (spec.Containers as unknown[]) : [];
  const url = obj(containers[0])?.ModelDataUrl;
  return typeof url === 'string' ? url : undefined;
}

/** The console view of a model package. */
export function packageView(pkg: ModelPackage): PackageView {
  const modelDataUrl = packageModelUrl(pkg);
  return {
    arn: pkg.ModelPackageArn,
    group: pkg.ModelPackageGroupName,
    version: pkg.ModelPackageVersion,
    approvalStatus: pkg.ModelApprovalStatus,
    ...(pkg.ModelPackageDescription === undefined ? {} : { description: pkg.ModelPackageDescription }),
    ...(modelDataUrl === undefined ? {} : { modelDataUrl }),
    creationTime: pkg.CreationTime,
    lastModifiedTime: pkg.LastModifiedTime,
  };
}
