import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BusEvent, EventBus } from '../../../../../local/services/eventbridge';
import { type JsonEndpoint, startJsonServer } from '../../../../../local/services/sfn/json-server';

describe('the local EventBridge PutEvents API driven by @aws-sdk/client-eventbridge', () => {
  const seen: BusEvent[] = [];
  let endpoint: JsonEndpoint;
  let client: EventBridgeClient;

  beforeAll(async () => {
    const bus = new EventBus({ invoke: async () => undefined });
    bus.onEvent((event) => seen.push(event));
    endpoint = await startJsonServer({
      AWSEvents: async (operation, input) => {
        if (operation !== 'PutEvents')
          throw Object.assign(new Error(operation), { name: 'UnknownOperationException' });
        return bus.putEvents((input.Entries ?? []) as never[]);
      },
    });
    client = new EventBridgeClient({
      endpoint: endpoint.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  });

  afterAll(async () => {
    client.destroy();
    await endpoint.close();
  });

  it('puts an event on the bus with its detail parsed and answers with its id', async () => {
    const result = await client.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'sparkmaker', DetailType: 'Run Failed', Detail: JSON.stringify({ runId: 'r1' }) },
        ],
      }),
    );

    expect(result.FailedEntryCount).toBe(0);
    expect(result.Entries?.[0]?.EventId).toBe(seen[0]?.id);
    expect(seen[0]).toMatchObject({
      source: 'sparkmaker',
      'detail-type': 'Run Failed',
      detail: { runId: 'r1' },
    });
  });

  it('answers an operation it does not implement with that error name', async () => {
    const unknown = await fetch(endpoint.url, {
      method: 'POST',
      headers: { 'x-amz-target': 'AWSEvents.ListRules', 'content-type': 'application/x-amz-json-1.1' },
      body: '{}',
    });

    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });
});
