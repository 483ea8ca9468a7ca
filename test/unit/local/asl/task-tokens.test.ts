import { describe, expect, it } from 'vitest';
import {
  ResourceRegistry,
  StatesError,
  sendTaskFailure,
  sendTaskHeartbeat,
  sendTaskSuccess,
} from '../../../../local/asl/index';
import { execute, single } from './helpers';

const resource = 'arn:aws:states:::events:putEvents.waitForTaskToken';

/** A registry whose handler hands each task token to `onToken` after a short delay. */
function callbackRegistry(onToken: (token: string) => void): ResourceRegistry {
  return new ResourceRegistry().register(resource, async (request) => {
    setTimeout(() => onToken(request.taskToken!), 5);
    return 'ignored';
  });
}

describe('.waitForTaskToken', () => {
  it('completes the task with the SendTaskSuccess output, not the handler result', async () => {
    const result = await execute(
      single({ Type: 'Task', Resource: resource }),
      {},
      {
        registry: callbackRegistry((token) => sendTaskSuccess(token, { done: true })),
      },
    );
    expect(result.output).toEqual({ done: true });
  });

  it('fails the task with the SendTaskFailure error and cause', async () => {
    const result = await execute(
      single({ Type: 'Task', Resource: resource }),
      {},
      {
        registry: callbackRegistry((token) => sendTaskFailure(token, 'Rejected', 'by reviewer')),
      },
    );
    expect(result).toMatchObject({ status: 'FAILED', error: 'Rejected', cause: 'by reviewer' });
  });

  it('keeps the task alive with SendTaskHeartbeat and times out without it', async () => {
    const beating = await execute(
      single({ Type: 'Task', Resource: resource, HeartbeatSeconds: 20 }),
      {},
      {
        // A 200 ms heartbeat window (wide enough for a loaded machine), beaten every 5 ms for 300 ms.
        timeScale: 0.01,
        registry: callbackRegistry((token) => {
          const timer = setInterval(() => sendTaskHeartbeat(token), 5);
          setTimeout(() => {
            clearInterval(timer);
            sendTaskSuccess(token, 'ok');
          }, 300);
        }),
      },
    );
    const silent = await execute(
      single({ Type: 'Task', Resource: resource, HeartbeatSeconds: 20 }),
      {},
      {
        timeScale: 0.01,
        registry: callbackRegistry(() => undefined),
      },
    );
    expect(beating.output).toBe('ok');
    expect(silent.error).toBe('States.HeartbeatTimeout');
  });

  it('rejects a callback for an unknown token', () => {
    expect(() => sendTaskSuccess('no-such-token', {})).toThrow(StatesError);
  });
});
