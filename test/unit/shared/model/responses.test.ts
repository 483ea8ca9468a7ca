import { describe, expect, it } from 'vitest';
import {
  formatBatchLine,
  formatBatchTransform,
  formatRealtime,
  type Predictions,
} from '../../../../shared/model';

const f = Math.fround;
const binary: Predictions = { values: Float32Array.from([f(0.537585437297821), 1e-5, 1]), rows: 3, width: 1 };
const softprob: Predictions = {
  values: Float32Array.from([f(0.1302703619003296), f(0.7377130389213562), f(0.1320165991783142)]),
  rows: 1,
  width: 3,
};

describe('container responses', () => {
  it('writes the batch-transform body as str() of each float32 widened to a double', () => {
    expect(formatBatchTransform(binary)).toBe('0.537585437297821\n9.999999747378752e-06\n1.0\n');
  });

  it('writes a softprob row as a Python list', () => {
    expect(formatBatchLine(softprob, 0)).toBe('[0.1302703619003296, 0.7377130389213562, 0.1320165991783142]');
  });

  it('writes realtime text/csv one row per line and softprob values comma-separated', () => {
    expect(formatRealtime(binary, 'text/csv')).toBe('0.537585437297821\n9.999999747378752e-06\n1.0\n');
    expect(formatRealtime(softprob, 'text/csv')).toBe(
      '0.1302703619003296,0.7377130389213562,0.1320165991783142\n',
    );
  });

  it('writes realtime JSON as json.dumps does', () => {
    expect(formatRealtime({ ...binary, rows: 2 }, 'application/json')).toBe(
      '{"predictions": [{"score": 0.537585437297821}, {"score": 9.999999747378752e-06}]}',
    );
    expect(formatRealtime(softprob, 'application/json')).toBe(
      '{"predictions": [{"score": [0.1302703619003296, 0.7377130389213562, 0.1320165991783142]}]}',
    );
  });
});
