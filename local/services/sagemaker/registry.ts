/**
 * The Model Registry kept in the local state directory: model package groups and versioned model
 * packages (CreateModelPackageGroup, DescribeModelPackageGroup, ListModelPackageGroups,
 * CreateModelPackage, DescribeModelPackage, ListModelPackages, UpdateModelPackage), with
 * SageMaker's shapes, defaults (`PendingManualApproval`), sorting and error names.
 */
import { requireName, requireString, SageMakerApiError } from './api-error';
import { type SageMakerContext, sagemakerArn } from './context';

type ApprovalStatus = 'Approved' | 'Rejected' | 'PendingManualApproval';
const APPROVAL_STATUSES: readonly ApprovalStatus[] = ['Approved', 'Rejected', 'PendingManualApproval'];

/** A stored model package group. */
export interface ModelPackageGroup {
  ModelPackageGroupName: string;
  ModelPackageGroupArn: string;
  ModelPackageGroupDescription?: string;
  CreationTime: string;
  CreatedBy: Record<string, unknown>;
  ModelPackageGroupStatus: 'Completed';
}

/** A stored model package (one version of a group). */
export interface ModelPackage {
  ModelPackageGroupName: string;
  ModelPackageVersion: number;
  ModelPackageArn: string;
  ModelPackageName: string;
  ModelPackageDescription?: string;
  CreationTime: string;
  LastModifiedTime: string;
  InferenceSpecification?: unknown;
  ModelPackageStatus: 'Completed';
  ModelPackageStatusDetails: { ValidationStatuses: unknown[]; ImageScanStatuses: unknown[] };
  CertifyForMarketplace: boolean;
  ModelApprovalStatus: ApprovalStatus;
  ApprovalDescription?: string;
  ModelMetrics?: unknown;
  CustomerMetadataProperties?: Record<string, string>;
  MetadataProperties?: unknown;
  Domain?: string;
  Task?: string;
  ClientToken?: string;
}

function approval(value: unknown, field: string): ApprovalStatus {
  if (!APPROVAL_STATUSES.includes(value as ApprovalStatus)) {
    throw new SageMakerApiError(
      'ValidationException',
      `1 validation error detected: Value '${String(value)}' at '${field}' failed to satisfy constraint: Member must satisfy enum value set: [Approved, Rejected, PendingManualApproval]`,
    );
  }
  return value as ApprovalStatus;
}

function packageKey(group: string, version: number): string {
  return `${group}/${String(version).padStart(8, '0')}`;
}

/** The registry operations, over the context's state store. */
export class ModelRegistry {
  constructor(private readonly ctx: SageMakerContext) {}

  async createModelPackageGroup(input: Record<string, unknown>): Promise<{ ModelPackageGroupArn: string }> {
    const name = requireName(input.ModelPackageGroupName, 'modelPackageGroupName');
    const arn = sagemakerArn(this.ctx, 'model-package-group', name);
    if ((await this.ctx.state.get('model-package-groups', name)) !== undefined) {
      throw new SageMakerApiError('ValidationException', `Model Package Group already exists: ${arn}`);
    }
    const group: ModelPackageGroup = {
      ModelPackageGroupName: name,
      ModelPackageGroupArn: arn,
      ...(typeof input.ModelPackageGroupDescription === 'string'
        ? { ModelPackageGroupDescription: input.ModelPackageGroupDescription }
        : {}),
      CreationTime: this.ctx.now().toISOString(),
      CreatedBy: {},
      ModelPackageGroupStatus: 'Completed',
    };
    await this.ctx.state.put('model-package-groups', name, group);
    return { ModelPackageGroupArn: arn };
  }

  async describeModelPackageGroup(input: Record<string, unknown>): Promise<ModelPackageGroup> {
    const name = this.groupName(requireString(input.ModelPackageGroupName, 'modelPackageGroupName'));
    const group = await this.ctx.state.get<ModelPackageGroup>('model-package-groups', name);
    if (group === undefined) {
      throw new SageMakerApiError(
        'ValidationException',
        `ModelPackageGroup ${sagemakerArn(this.ctx, 'model-package-group', name)} does not exist.`,
      );
    }
    return group;
  }

  async listModelPackageGroups(input: Record<string, unknown>): Promise<Record<string, unknown>> {
    const groups = await this.ctx.state.list<ModelPackageGroup>('model-package-groups');
    const contains = typeof input.NameContains === 'string' ? input.NameContains : '';
    const filtered = groups.filter((g) => g.ModelPackageGroupName.includes(contains));
    const sorted = sortBy(
      filtered,
      input.SortBy === 'Name' ? 'ModelPackageGroupName' : 'CreationTime',
      input.SortOrder,
    );
    return page(
      'ModelPackageGroupSummaryList',
      sorted.map((g) => ({
        ModelPackageGroupName: g.ModelPackageGroupName,
        ModelPackageGroupArn: g.ModelPackageGroupArn,
        ...(g.ModelPackageGroupDescription === undefined
          ? {}
          : { ModelPackageGroupDescription: g.ModelPackageGroupDescription }),
        CreationTime: g.CreationTime,
        ModelPackageGroupStatus: g.ModelPackageGroupStatus,
      })),
      input,
    );
  }

  async createModelPackage(input: Record<string, unknown>): Promise<{ ModelPackageArn: string }> {
    if (input.ModelPackageGroupName === undefined) {
      throw new SageMakerApiError(
        'ValidationException',
        'Unversioned model packages are not supported offline: give ModelPackageGroupName',
      );
    }
    const groupName = this.groupName(requireString(input.ModelPackageGroupName, 'modelPackageGroupName'));
    await this.describeModelPackageGroup({ ModelPackageGroupName: groupName });
    const existing = await this.packagesOf(groupName);
    if (typeof input.ClientToken === 'string') {
      const same = existing.find((p) => p.ClientToken === input.ClientToken);
      if (same !== undefined) return { ModelPackageArn: same.ModelPackageArn };
    }
    const version = existing.reduce((m, p) => Math.max(m, p.ModelPackageVersion), 0) + 1;
    const arn = `${sagemakerArn(this.ctx, 'model-package', groupName)}/${version}`;
    const now = this.ctx.now().toISOString();
    const pkg: ModelPackage = {
      ModelPackageGroupName: groupName,
      ModelPackageVersion: version,
      ModelPackageArn: arn,
      ModelPackageName: groupName,
      ...(typeof input.ModelPackageDescription === 'string'
        ? { ModelPackageDescription: input.ModelPackageDescription }
        : {}),
      CreationTime: now,
      LastModifiedTime: now,
      ...(input.InferenceSpecification === undefined
        ? {}
        : { InferenceSpecification: input.InferenceSpecification }),
      ModelPackageStatus: 'Completed',
      ModelPackageStatusDetails: { ValidationStatuses: [], ImageScanStatuses: [] },
      CertifyForMarketplace: input.CertifyForMarketplace === true,
      ModelApprovalStatus:
        input.ModelApprovalStatus === undefined
          ? 'PendingManualApproval'
          : approval(input.ModelApprovalStatus, 'modelApprovalStatus'),
      ...(input.ModelMetrics === undefined ? {} : { ModelMetrics: input.ModelMetrics }),
      ...(input.CustomerMetadataProperties === undefined
        ? {}
        : { CustomerMetadataProperties: input.CustomerMetadataProperties as Record<string, string> }),
      ...(input.MetadataProperties === undefined ? {} : { MetadataProperties: input.MetadataProperties }),
      ...(typeof input.Domain === 'string' ? { Domain: input.Domain } : {}),
      ...(typeof input.Task === 'string' ? { Task: input.Task } : {}),
      ...(typeof input.ClientToken === 'string' ? { ClientToken: input.ClientToken } : {}),
    };
    await this.ctx.state.put('model-packages', packageKey(groupName, version), pkg);
    return { ModelPackageArn: arn };
  }

  async describeModelPackage(input: Record<string, unknown>): Promise<Omit<ModelPackage, 'ClientToken'>> {
    const { ClientToken: _token, ...pkg } = await this.find(
      requireString(input.ModelPackageName, 'modelPackageName'),
    );
    return pkg;
  }

  async listModelPackages(input: Record<string, unknown>): Promise<Record<string, unknown>> {
    let packages: ModelPackage[];
    if (typeof input.ModelPackageGroupName === 'string') {
      packages = await this.packagesOf(this.groupName(input.ModelPackageGroupName));
    } else {
      packages = await this.ctx.state.list<ModelPackage>('model-packages');
    }
    if (input.ModelApprovalStatus !== undefined) {
      const status = approval(input.ModelApprovalStatus, 'modelApprovalStatus');
      packages = packages.filter((p) => p.ModelApprovalStatus === status);
    }
    if (typeof input.NameContains === 'string') {
      const contains = input.NameContains;
      packages = packages.filter((p) => p.ModelPackageName.includes(contains));
    }
    const sorted = sortBy(
      packages,
      input.SortBy === 'Name' ? 'ModelPackageName' : 'CreationTime',
      input.SortOrder,
    );
    return page(
      'ModelPackageSummaryList',
      sorted.map((p) => ({
        ModelPackageName: p.ModelPackageName,
        ModelPackageGroupName: p.ModelPackageGroupName,
        ModelPackageVersion: p.ModelPackageVersion,
        ModelPackageArn: p.ModelPackageArn,
        ...(p.ModelPackageDescription === undefined
          ? {}
          : { ModelPackageDescription: p.ModelPackageDescription }),
        CreationTime: p.CreationTime,
        ModelPackageStatus: p.ModelPackageStatus,
        ModelApprovalStatus: p.ModelApprovalStatus,
      })),
      input,
    );
  }

  async updateModelPackage(input: Record<string, unknown>): Promise<{ ModelPackageArn: string }> {
    const pkg = await this.find(requireString(input.ModelPackageArn, 'modelPackageArn'));
    if (input.ModelApprovalStatus !== undefined)
      pkg.ModelApprovalStatus = approval(input.ModelApprovalStatus, 'modelApprovalStatus');
    if (typeof input.ApprovalDescription === 'string') pkg.ApprovalDescription = input.ApprovalDescription;
    if (input.CustomerMetadataProperties !== undefined) {
      pkg.CustomerMetadataProperties = {
        ...pkg.CustomerMetadataProperties,
        ...(input.CustomerMetadataProperties as Record<string, string>),
      };
    }
    for (const key of (input.CustomerMetadataPropertiesToRemove as string[] | undefined) ?? []) {
      delete pkg.CustomerMetadataProperties?.[key];
    }
    pkg.LastModifiedTime = this.ctx.now().toISOString();
    await this.ctx.state.put(
      'model-packages',
      packageKey(pkg.ModelPackageGroupName, pkg.ModelPackageVersion),
      pkg,
    );
    return { ModelPackageArn: pkg.ModelPackageArn };
  }

  private groupName(nameOrArn: string): string {
    const match = /:model-package-group\/(.+)$/.exec(nameOrArn);
    if (match === null) return nameOrArn;
    return match[1]!;
  }

  private async packagesOf(group: string): Promise<ModelPackage[]> {
    const all = await this.ctx.state.list<ModelPackage>('model-packages');
    return all.filter((p) => p.ModelPackageGroupName.toLowerCase() === group.toLowerCase());
  }

  private async find(nameOrArn: string): Promise<ModelPackage> {
    const match = /:model-package\/([^/]+)\/(\d+)$/.exec(nameOrArn);
    if (match !== null) {
      const packages = await this.packagesOf(match[1]!);
      const found = packages.find((p) => p.ModelPackageVersion === Number(match[2]));
      if (found !== undefined) return found;
    }
    throw new SageMakerApiError('ValidationException', `ModelPackage ${nameOrArn} does not exist.`);
  }
}

function sortBy<T extends { CreationTime: string }>(items: T[], key: keyof T, order: unknown): T[] {
  const sorted = [...items].sort((a, b) => {
    const x = a[key] as unknown as string;
    const y = b[key] as unknown as string;
    if (x !== y) return x < y ? -1 : 1;
    const va = (a as { ModelPackageVersion?: number }).ModelPackageVersion ?? 0;
    const vb = (b as { ModelPackageVersion?: number }).ModelPackageVersion ?? 0;
    return va - vb;
  });
  return order === 'Descending' ? sorted.reverse() : sorted;
}

function page(field: string, items: unknown[], input: Record<string, unknown>): Record<string, unknown> {
  const max = typeof input.MaxResults === 'number' ? input.MaxResults : 100;
  if (!(Number.isInteger(max) && max >= 1 && max <= 100)) {
    throw new SageMakerApiError(
      'ValidationException',
      `1 validation error detected: Value '${max}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 100`,
    );
  }
  const start = typeof input.NextToken === 'string' ? Number(input.NextToken) : 0;
  const slice = items.slice(start, start + max);
  const next = start + max < items.length ? { NextToken: String(start + max) } : {};
  return { [field]: slice, ...next };
}
