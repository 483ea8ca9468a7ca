/**
 * The SageMaker Model Registry side of the workflows: register a trained model as a package version
 * (creating the group on first use), and resolve the latest Approved package for scoring.
 */
import { createHash } from 'node:crypto';
import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DescribeModelPackageCommand,
  DescribeModelPackageGroupCommand,
  ListModelPackagesCommand,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { ModelNotFoundError } from '../../shared/errors';

/** What register-model records. */
export interface RegisterRequest {
  readonly modelPackageGroup: string;
  readonly approvalStatus: 'Approved' | 'PendingManualApproval' | 'Rejected';
  readonly modelDataUrl: string;
  readonly image: string;
  readonly metrics: Readonly<Record<string, number>>;
  readonly runId: string;
  readonly featureColumnsUri?: string;
  /** The feature spec (feature-spec.json) of a declared table, applied unchanged at scoring. */
  readonly featureSpecUri?: string;
}

/** A resolved model. */
export interface ResolvedModel {
  readonly modelUri: string;
  readonly featureColumnsUri?: string;
  readonly featureSpecUri?: string;
  readonly modelPackageArn?: string;
}

function isMissing(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (
    error.name === 'ResourceNotFound' ||
    (error.name === 'ValidationException' && /does not exist|not found|cannot find/i.test(error.message))
  );
}

function isAlreadyThere(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (
    error.name === 'ConflictException' ||
    (error.name === 'ValidationException' && /already exists/i.test(error.message))
  );
}

/**
 * The idempotency token of a run's registration: CreateModelPackage takes 1-36 characters of
 * `[a-zA-Z0-9-]`, so the run id (up to 80 characters, `_` allowed) is hashed rather than cut, which
 * could make two runs share a token.
 */
export function clientToken(runId: string): string {
  return createHash('sha256').update(runId).digest('hex').slice(0, 36);
}

/** Makes the model package group unless it exists (a concurrent creation counts as existing). */
export async function ensureModelPackageGroup(sm: SageMakerClient, name: string): Promise<void> {
  try {
    await sm.send(new DescribeModelPackageGroupCommand({ ModelPackageGroupName: name }));
    return;
  } catch (error) {
    if (!isMissing(error)) throw error;
  }
  try {
    await sm.send(
      new CreateModelPackageGroupCommand({
        ModelPackageGroupName: name,
        ModelPackageGroupDescription: 'Models trained by sparkmaker',
      }),
    );
  } catch (error) {
    if (!isAlreadyThere(error)) throw error;
  }
}

/**
 * Registers a model package version. `ClientToken` is the run id, so a retried registration of the
 * same run returns the same package instead of adding a second version.
 */
export async function registerModel(
  sm: SageMakerClient,
  request: RegisterRequest,
): Promise<{ modelPackageArn: string }> {
  await ensureModelPackageGroup(sm, request.modelPackageGroup);
  const metadata: Record<string, string> = { runId: request.runId, sparkmaker: 'true' };
  if (request.featureColumnsUri !== undefined) metadata.featureColumnsUri = request.featureColumnsUri;
  if (request.featureSpecUri !== undefined) metadata.featureSpecUri = request.featureSpecUri;
  for (const [name, value] of Object.entries(request.metrics)) {
    if (typeof value === 'number' && Number.isFinite(value)) metadata[`metric:${name}`] = String(value);
  }
  const created = await sm.send(
    new CreateModelPackageCommand({
      ModelPackageGroupName: request.modelPackageGroup,
      ModelPackageDescription: `sparkmaker run ${request.runId}`,
      ModelApprovalStatus: request.approvalStatus,
      ClientToken: clientToken(request.runId),
      InferenceSpecification: {
        Containers: [{ Image: request.image, ModelDataUrl: request.modelDataUrl }],
        SupportedContentTypes: ['text/csv', 'text/libsvm', 'application/x-recordio-protobuf'],
        SupportedResponseMIMETypes: ['text/csv'],
      },
      CustomerMetadataProperties: metadata,
    }),
  );
  if (created.ModelPackageArn === undefined)
    throw new Error('CreateModelPackage returned no ModelPackageArn');
  return { modelPackageArn: created.ModelPackageArn };
}

/**
 * The latest Approved package of a group (by creation time), with its artifact and the feature
 * column list recorded at registration.
 *
 * @throws {ModelNotFoundError} when the group does not exist or holds no Approved package.
 */
export async function resolveLatestApproved(sm: SageMakerClient, group: string): Promise<ResolvedModel> {
  let arn: string | undefined;
  try {
    const listed = await sm.send(
      new ListModelPackagesCommand({
        ModelPackageGroupName: group,
        ModelApprovalStatus: 'Approved',
        ModelPackageType: 'Versioned',
        SortBy: 'CreationTime',
        SortOrder: 'Descending',
        MaxResults: 1,
      }),
    );
    arn = listed.ModelPackageSummaryList?.[0]?.ModelPackageArn;
  } catch (error) {
    if (isMissing(error)) {
      throw new ModelNotFoundError(`model package group '${group}' does not exist`, { cause: error });
    }
    throw error;
  }
  if (arn === undefined) {
    throw new ModelNotFoundError(
      `model package group '${group}' has no Approved model package; approve one or pass model.uri`,
    );
  }
  const described = await sm.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
  const modelUri = described.InferenceSpecification?.Containers?.[0]?.ModelDataUrl;
  if (modelUri === undefined) throw new ModelNotFoundError(`model package ${arn} has no ModelDataUrl`);
  const featureColumnsUri = described.CustomerMetadataProperties?.featureColumnsUri;
  const featureSpecUri = described.CustomerMetadataProperties?.featureSpecUri;
  return {
    modelUri,
    ...(featureColumnsUri === undefined ? {} : { featureColumnsUri }),
    ...(featureSpecUri === undefined ? {} : { featureSpecUri }),
    modelPackageArn: arn,
  };
}
