import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryObjectStore } from '../../../../../local/services/object-store';
import { createSageMakerService } from '../../../../../local/services/sagemaker/service';

function service(stateDir = mkdtempSync(join(tmpdir(), 'sm-reg-'))) {
  let tick = Date.parse('2026-01-01T00:00:00Z');
  return {
    stateDir,
    sm: createSageMakerService({
      store: new MemoryObjectStore(),
      stateDir,
      now: () => {
        tick += 1000;
        return new Date(tick);
      },
    }),
  };
}

const pkg = (status?: string) => ({
  ModelPackageGroupName: 'churn',
  InferenceSpecification: {
    Containers: [{ Image: 'xgboost:1.7-1', ModelDataUrl: 's3://a/model.tar.gz' }],
    SupportedContentTypes: ['text/csv'],
    SupportedResponseMIMETypes: ['text/csv'],
  },
  ...(status === undefined ? {} : { ModelApprovalStatus: status }),
});

describe('the Model Registry', () => {
  it('numbers packages per group and defaults to PendingManualApproval', async () => {
    const { sm } = service();
    await sm.api('CreateModelPackageGroup', { ModelPackageGroupName: 'churn' });
    const first = (await sm.api('CreateModelPackage', pkg())) as { ModelPackageArn: string };
    const second = (await sm.api('CreateModelPackage', pkg('Approved'))) as { ModelPackageArn: string };
    const described = (await sm.api('DescribeModelPackage', {
      ModelPackageName: first.ModelPackageArn,
    })) as Record<string, unknown>;
    expect(first.ModelPackageArn).toBe('arn:aws:sagemaker:us-east-1:000000000000:model-package/churn/1');
    expect(second.ModelPackageArn).toMatch(/model-package\/churn\/2$/);
    expect(described).toMatchObject({
      ModelPackageVersion: 1,
      ModelApprovalStatus: 'PendingManualApproval',
      ModelPackageStatus: 'Completed',
    });
    expect(typeof described.CreationTime).toBe('number');
  });

  it('lists packages filtered by approval status, newest first when asked', async () => {
    const { sm } = service();
    await sm.api('CreateModelPackageGroup', { ModelPackageGroupName: 'churn' });
    for (const status of ['Approved', 'Rejected', 'Approved'])
      await sm.api('CreateModelPackage', pkg(status));
    const listed = (await sm.api('ListModelPackages', {
      ModelPackageGroupName: 'churn',
      ModelApprovalStatus: 'Approved',
      SortBy: 'CreationTime',
      SortOrder: 'Descending',
      MaxResults: 1,
    })) as { ModelPackageSummaryList: Array<{ ModelPackageVersion: number }>; NextToken?: string };
    expect(listed.ModelPackageSummaryList.map((p) => p.ModelPackageVersion)).toEqual([3]);
    expect(listed.NextToken).toBeDefined();
  });

  it('updates the approval status and keeps it across service restarts', async () => {
    const first = service();
    await first.sm.api('CreateModelPackageGroup', { ModelPackageGroupName: 'churn' });
    const { ModelPackageArn } = (await first.sm.api('CreateModelPackage', pkg())) as {
      ModelPackageArn: string;
    };
    await first.sm.api('UpdateModelPackage', {
      ModelPackageArn,
      ModelApprovalStatus: 'Approved',
      ApprovalDescription: 'ok',
    });
    const again = service(first.stateDir);
    const described = (await again.sm.api('DescribeModelPackage', {
      ModelPackageName: ModelPackageArn,
    })) as Record<string, unknown>;
    expect(described.ModelApprovalStatus).toBe('Approved');
    expect(described.ApprovalDescription).toBe('ok');
  });

  it('names the errors as SageMaker does', async () => {
    const { sm } = service();
    await sm.api('CreateModelPackageGroup', { ModelPackageGroupName: 'churn' });
    await expect(sm.api('CreateModelPackageGroup', { ModelPackageGroupName: 'churn' })).rejects.toMatchObject(
      {
        name: 'ValidationException',
        message: expect.stringContaining('already exists'),
      },
    );
    await expect(
      sm.api('CreateModelPackage', { ...pkg(), ModelPackageGroupName: 'nope' }),
    ).rejects.toMatchObject({
      name: 'ValidationException',
    });
    await expect(
      sm.api('UpdateModelPackage', {
        ModelPackageArn: 'arn:aws:sagemaker:us-east-1:000000000000:model-package/churn/9',
        ModelApprovalStatus: 'Approved',
      }),
    ).rejects.toThrow(/does not exist/);
    await expect(sm.api('CreateModelPackage', pkg('Maybe'))).rejects.toThrow(
      /Member must satisfy enum value set/,
    );
  });
});
