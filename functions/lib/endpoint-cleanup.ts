/**
 * Deletes what a scoring run created for its endpoint (endpoint, endpoint configuration, model),
 * found by the tag `sparkmaker:execution-arn` = the run's execution ARN. The scoring state machine
 * deletes them itself on success and on a caught failure; this runs when it cannot: an EventBridge
 * rule on the execution's ABORTED / TIMED_OUT status change invokes the `endpoint-cleanup` function.
 * Resources without the tag (an endpoint the run only attached to) are never touched. Idempotent: a
 * resource already gone counts as deleted.
 */
import {
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  ListEndpointConfigsCommand,
  type ListEndpointConfigsCommandOutput,
  ListEndpointsCommand,
  ListModelsCommand,
  type ListModelsCommandOutput,
  ListTagsCommand,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';

/** The tag every resource a scoring run creates carries. */
export const EXECUTION_TAG = 'sparkmaker:execution-arn';

/** What was deleted. */
export interface CleanupResult {
  readonly executionArn: string;
  readonly endpoints: string[];
  readonly endpointConfigs: string[];
  readonly models: string[];
}

async function taggedWith(sm: SageMakerClient, arn: string, executionArn: string): Promise<boolean> {
  let token: string | undefined;
  do {
    const page = await sm.send(
      new ListTagsCommand({ ResourceArn: arn, ...(token === undefined ? {} : { NextToken: token }) }),
    );
    if ((page.Tags ?? []).some((t) => t.Key === EXECUTION_TAG && t.Value === executionArn)) return true;
    token = page.NextToken;
  } while (token !== undefined);
  return false;
}

function isGone(error: unknown): boolean {
  const e = error as { name?: string; message?: string };
  return e.name === 'ValidationException' && /Could not find/i.test(String(e.message));
}

async function remove(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    if (!isGone(error)) throw error;
  }
}

/**
 * Deletes the endpoints, endpoint configurations and models tagged with `executionArn`, in that order
 * (an endpoint first, so nothing is served from a configuration being deleted).
 */
export async function cleanupExecution(sm: SageMakerClient, executionArn: string): Promise<CleanupResult> {
  const result: CleanupResult = { executionArn, endpoints: [], endpointConfigs: [], models: [] };
  let token: string | undefined;
  do {
    const page = await sm.send(
      new ListEndpointsCommand({ MaxResults: 100, ...(token === undefined ? {} : { NextToken: token }) }),
    );
    for (const endpoint of page.Endpoints ?? []) {
      if (endpoint.EndpointArn === undefined || endpoint.EndpointName === undefined) continue;
      if (!(await taggedWith(sm, endpoint.EndpointArn, executionArn))) continue;
      await remove(() => sm.send(new DeleteEndpointCommand({ EndpointName: endpoint.EndpointName })));
      result.endpoints.push(endpoint.EndpointName);
    }
    token = page.NextToken;
  } while (token !== undefined);
  token = undefined;
  do {
    const page: ListEndpointConfigsCommandOutput = await sm.send(
      new ListEndpointConfigsCommand({
        MaxResults: 100,
        ...(token === undefined ? {} : { NextToken: token }),
      }),
    );
    for (const config of page.EndpointConfigs ?? []) {
      if (config.EndpointConfigArn === undefined || config.EndpointConfigName === undefined) continue;
      if (!(await taggedWith(sm, config.EndpointConfigArn, executionArn))) continue;
      await remove(() =>
        sm.send(new DeleteEndpointConfigCommand({ EndpointConfigName: config.EndpointConfigName })),
      );
      result.endpointConfigs.push(config.EndpointConfigName);
    }
    token = page.NextToken;
  } while (token !== undefined);
  token = undefined;
  do {
    const page: ListModelsCommandOutput = await sm.send(
      new ListModelsCommand({ MaxResults: 100, ...(token === undefined ? {} : { NextToken: token }) }),
    );
    for (const model of page.Models ?? []) {
      if (model.ModelArn === undefined || model.ModelName === undefined) continue;
      if (!(await taggedWith(sm, model.ModelArn, executionArn))) continue;
      await remove(() => sm.send(new DeleteModelCommand({ ModelName: model.ModelName })));
      result.models.push(model.ModelName);
    }
    token = page.NextToken;
  } while (token !== undefined);
  return result;
}
