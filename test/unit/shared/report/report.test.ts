import { describe, expect, it } from 'vitest';
import {
  analyzeHistory,
  escapeHtml,
  type HistoryEventLike,
  html,
  renderDataView,
  renderExecutionView,
  renderGraph,
  renderReport,
} from '../../../../shared/report';

const EVIL = '<script>alert("x")</script>';

/** A small history: A (Task, retried once) → B (Task, fails, caught) → Fail. */
function failedHistory(stateName = 'Work'): HistoryEventLike[] {
  let id = 0;
  const t = (ms: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, 0, ms)).toISOString();
  const ev = (
    type: string,
    prev: number,
    ms: number,
    details?: Record<string, unknown>,
  ): HistoryEventLike => {
    id++;
    const key = details === undefined ? undefined : detailsKey(type);
    return {
      id,
      previousEventId: prev,
      timestamp: t(ms),
      type,
      ...(key === undefined ? {} : { [key]: details }),
    };
  };
  return [
    ev('ExecutionStarted', 0, 0, { input: '{}' }),
    ev('TaskStateEntered', 1, 1, { name: stateName, input: '{"a":1}' }),
    ev('TaskScheduled', 2, 2, { resourceType: 'lambda', resource: 'invoke' }),
    ev('TaskStarted', 3, 3, { resourceType: 'lambda', resource: 'invoke' }),
    ev('TaskFailed', 4, 10, {
      resourceType: 'lambda',
      resource: 'invoke',
      error: 'Throttled',
      cause: 'slow down',
    }),
    ev('TaskScheduled', 5, 20, { resourceType: 'lambda', resource: 'invoke' }),
    ev('TaskStarted', 6, 21, { resourceType: 'lambda', resource: 'invoke' }),
    ev('TaskSucceeded', 7, 30, { resourceType: 'lambda', resource: 'invoke', output: '{}' }),
    ev('TaskStateExited', 8, 31, { name: stateName, output: '{"b":2}' }),
    ev('TaskStateEntered', 9, 32, { name: 'Convert', input: '{}' }),
    ev('TaskScheduled', 10, 33, { resourceType: 'lambda', resource: 'invoke' }),
    ev('TaskStarted', 11, 34, { resourceType: 'lambda', resource: 'invoke' }),
    ev('TaskFailed', 12, 40, {
      resourceType: 'lambda',
      resource: 'invoke',
      error: 'CsvFormatError',
      cause: `bad cell ${EVIL}`,
    }),
    ev('TaskStateExited', 13, 41, { name: 'Convert', output: '{}' }),
    ev('FailStateEntered', 14, 42, { name: 'Failed', input: '{}' }),
    ev('ExecutionFailed', 15, 43, { error: 'CsvFormatError', cause: `bad cell ${EVIL}` }),
  ];
}

function detailsKey(type: string): string {
  const map: Record<string, string> = {
    ExecutionStarted: 'executionStartedEventDetails',
    ExecutionFailed: 'executionFailedEventDetails',
  };
  if (map[type] !== undefined) return map[type]!;
  if (type.endsWith('StateEntered')) return 'stateEnteredEventDetails';
  if (type.endsWith('StateExited')) return 'stateExitedEventDetails';
  return `${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`;
}

const definition = (first = 'Work') => ({
  StartAt: first,
  States: {
    [first]: { Type: 'Task', Next: 'Convert', Retry: [{ ErrorEquals: ['Throttled'] }] },
    Convert: { Type: 'Task', Next: 'Decide', Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Failed' }] },
    Decide: {
      Type: 'Choice',
      Choices: [{ Condition: '{% $states.input.ok %}', Next: 'Fan' }],
      Default: 'Both',
    },
    Fan: {
      Type: 'Map',
      ItemProcessor: { StartAt: 'Item', States: { Item: { Type: 'Task', End: true } } },
      Catch: [{ ErrorEquals: ['States.ExceedToleratedFailureThreshold'], Next: 'Failed' }],
      Next: 'Done',
    },
    Both: {
      Type: 'Parallel',
      Branches: [
        { StartAt: 'Left', States: { Left: { Type: 'Pass', End: true } } },
        { StartAt: 'Right', States: { Right: { Type: 'Pass', End: true } } },
      ],
      Next: 'Done',
    },
    Done: { Type: 'Succeed' },
    Failed: { Type: 'Fail' },
  },
});

const execution = (events: HistoryEventLike[], name = 'run-1') => ({
  executionArn: `arn:aws:states:us-east-1:000000000000:execution:sm:${name}`,
  stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:sm',
  stateMachineName: 'sm',
  name,
  status: 'FAILED',
  startDate: events[0]!.timestamp,
  stopDate: events.at(-1)!.timestamp,
  error: 'CsvFormatError',
  cause: `bad cell ${EVIL}`,
  events,
});

describe('html', () => {
  it('escapes every interpolated value and keeps nested html fragments', () => {
    const inner = html`<b>${EVIL}</b>`;
    expect(html`<p title="${'"quoted"'}">${inner}${[1, '<i>']}</p>`.value).toBe(
      '<p title="&quot;quoted&quot;"><b>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</b>1&lt;i&gt;</p>',
    );
    expect(escapeHtml("a&b'`")).toBe('a&amp;b&#39;&#96;');
  });
});

describe('analyzeHistory', () => {
  it('gives each state its outcome, retries, error and cause, following previousEventId', () => {
    const analysis = analyzeHistory(failedHistory(), 'FAILED');
    expect(analysis.states.get('Work')).toMatchObject({
      outcome: 'succeeded',
      retries: 1,
      output: '{"b":2}',
    });
    expect(analysis.states.get('Convert')).toMatchObject({ outcome: 'caught', error: 'CsvFormatError' });
    expect(analysis.states.get('Failed')).toMatchObject({ outcome: 'failed', cause: `bad cell ${EVIL}` });
    expect(analysis.stepOf.get(5)).toBe('Work');
  });
});

describe('renderGraph', () => {
  it('draws Choice rules and Default, dashed Catch edges, and Map and Parallel containers', () => {
    const svg = renderGraph(definition()).value;
    expect(svg).toContain('class="edge edge-choice"');
    expect(svg).toContain('>$states.input.ok</text>');
    expect(svg).toContain('>Default</text>');
    expect(svg).toContain('class="edge edge-catch"');
    expect(svg).toContain('>States.ExceedToleratedFailureThreshold</text>');
    expect(svg).toMatch(/class="state st-not-run container" data-state="Fan"/);
    expect(svg).toMatch(/class="state st-not-run container" data-state="Both"/);
    expect(svg).toContain('class="branch"');
    expect(svg).toMatch(/data-state="Item"/);
    expect(svg).toContain('>Start</text>');
    expect(svg).toContain('>End</text>');
  });

  it('escapes state names that hold markup', () => {
    const svg = renderGraph(definition(EVIL)).value;
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('data-state="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"');
  });
});

describe('renderExecutionView', () => {
  it('colours the failed state red and opens it with its cause', () => {
    const page = renderExecutionView({
      execution: execution(failedHistory()),
      definition: definition(),
    }).value;
    expect(page).toMatch(/class="state st-failed selected" data-state="Failed"/);
    expect(page).toMatch(/class="state st-caught" data-state="Convert"/);
    expect(page).toContain('bad cell &lt;script&gt;');
    expect(page).not.toContain(EVIL);
  });

  it('puts the states data in a JSON script element no markup can break out of', () => {
    const page = renderExecutionView({
      execution: execution(failedHistory(EVIL)),
      definition: definition(EVIL),
    }).value;
    const json = /<script type="application\/json" id="state-data">([\s\S]*?)<\/script>/.exec(page)?.[1];
    expect(json).toBeDefined();
    expect(json).not.toContain('<');
    expect(Object.keys(JSON.parse(json!))).toContain(EVIL);
  });
});

describe('renderReport', () => {
  it('is one self-contained document: inline style and script pinned by hash, no external URL', () => {
    const doc = renderReport({ execution: execution(failedHistory(EVIL)), definition: definition(EVIL) });
    expect(doc).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;/);
    expect(doc).toMatch(/script-src &#39;sha256-[A-Za-z0-9+/=]+&#39;/);
    expect(doc).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(doc).not.toContain(EVIL);
  });
});

describe('renderDataView', () => {
  it('lists partitions with manifest and _SUCCESS and quarantined rows with escaped column names', () => {
    const page = renderDataView({
      partitions: [
        {
          uri: 's3://b/scores/dt=2024-06-06/',
          dt: '2024-06-06',
          files: 4,
          bytes: 100,
          rows: 10,
          manifest: '{}',
          success: true,
        },
      ],
      quarantine: [
        { uri: 's3://b/quarantine/x.jsonl', total: 1, entries: [{ [EVIL]: 'v', reason: 'not a number' }] },
      ],
    }).value;
    expect(page).toContain('dt=2024-06-06');
    expect(page).toContain('not a number');
    expect(page).not.toContain(EVIL);
  });
});
