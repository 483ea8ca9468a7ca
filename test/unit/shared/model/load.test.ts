import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ModelFormatError, UnsupportedModelError } from '../../../../shared/errors';
import { loadModel, parseModel, readTar } from '../../../../shared/model';
import { fixtureBytes, fixtureText } from './fixtures';

/** A ustar archive of the given files (as `tar` writes it: 512-byte headers, two zero blocks). */
function tar(files: { name: string; data: Uint8Array; type?: string }[]): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (const file of files) {
    const header = new Uint8Array(512);
    const put = (s: string, at: number): void => {
      for (let i = 0; i < s.length; i++) header[at + i] = s.charCodeAt(i);
    };
    put(file.name.slice(0, 100), 0);
    put('0000644\0', 100);
    put('0000000\0', 108);
    put('0000000\0', 116);
    put(`${file.data.length.toString(8).padStart(11, '0')}\0`, 124);
    put('00000000000\0', 136);
    put('        ', 148);
    put(file.type ?? '0', 156);
    put('ustar\0', 257);
    put('00', 263);
    let sum = 0;
    for (const b of header) sum += b;
    put(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(header);
    const body = new Uint8Array(Math.ceil(file.data.length / 512) * 512);
    body.set(file.data);
    blocks.push(body);
  }
  blocks.push(new Uint8Array(1024));
  const out = new Uint8Array(blocks.reduce((n, b) => n + b.length, 0));
  let o = 0;
  for (const b of blocks) {
    out.set(b, o);
    o += b.length;
  }
  return out;
}

const binf = fixtureBytes('binary_logistic.xgboost-model');
const json = fixtureBytes('binary_logistic.json');
const ubj = fixtureBytes('binary_logistic.ubj');

describe('loadModel', () => {
  it('reads the same model from binf, JSON, UBJSON, a tar.gz artifact and a gzipped file', () => {
    // Prepare
    const forms = [
      binf,
      json,
      ubj,
      gzipSync(tar([{ name: 'xgboost-model', data: binf }])),
      gzipSync(tar([{ name: './model/model.json', data: json }])),
      tar([
        { name: '.hidden', data: new Uint8Array(3) },
        { name: 'xgboost-model', data: binf },
      ]),
      gzipSync(binf),
    ];
    const row = new Float32Array([0.5, Number.NaN, -1, 2, 0, 0.25, 1, -0.5]);
    // Act
    const outputs = forms.map((bytes) => Array.from(loadModel(bytes).predictMargin(row).values));
    // Assess
    for (const out of outputs) expect(out).toEqual(outputs[0]);
    expect(parseModel(binf).format).toBe('binf');
    expect(parseModel(json).format).toBe('json');
    expect(parseModel(ubj).format).toBe('ubj');
  });

  it('refuses every truncation of a binf, JSON and UBJSON model with a ModelFormatError', () => {
    // Prepare
    const cuts = (bytes: Uint8Array): number[] => {
      const step = Math.max(1, Math.floor(bytes.length / 400));
      const out: number[] = [];
      for (let n = 0; n < bytes.length; n += step) out.push(n);
      return out;
    };
    // Act / Assess
    for (const bytes of [binf, json, ubj]) {
      for (const n of cuts(bytes)) {
        expect(() => loadModel(bytes.subarray(0, n)), `first ${n} of ${bytes.length} bytes`).toThrow(
          ModelFormatError,
        );
      }
    }
  });

  it('refuses a truncated or corrupt model.tar.gz with a ModelFormatError', () => {
    // Prepare
    const artifact = gzipSync(tar([{ name: 'xgboost-model', data: binf }]));
    const corrupt = artifact.slice();
    corrupt[corrupt.length - 6] = (corrupt[corrupt.length - 6] as number) ^ 0xff;
    const plainTar = tar([{ name: 'xgboost-model', data: binf }]);
    // Act / Assess
    expect(() => loadModel(artifact.subarray(0, artifact.length - 9))).toThrow(ModelFormatError);
    expect(() => loadModel(corrupt)).toThrow(ModelFormatError);
    expect(() => loadModel(plainTar.subarray(0, 512 + 100))).toThrow(ModelFormatError);
  });

  it('refuses bytes that are no model at all, naming what it expected', () => {
    // Act / Assess
    expect(() => loadModel(new Uint8Array(0))).toThrow(ModelFormatError);
    expect(() => loadModel(new TextEncoder().encode('label,f0\n1,2\n'))).toThrow(/binf|JSON|UBJSON/);
    expect(() => loadModel(new TextEncoder().encode('{"learner": 3}'))).toThrow(ModelFormatError);
    expect(() => loadModel(new Uint8Array(4096).fill(7))).toThrow(ModelFormatError);
  });

  it('refuses dart and gblinear boosters with an UnsupportedModelError', () => {
    // Act / Assess
    for (const name of ['dart.json', 'dart.xgboost-model', 'gblinear.json', 'gblinear.xgboost-model']) {
      expect(() => loadModel(fixtureBytes(name)), name).toThrow(UnsupportedModelError);
    }
  });

  it('refuses a pickled Booster with an UnsupportedModelError that says how to save it', () => {
    // Prepare: the first bytes of pickle protocol 4
    const pickled = new Uint8Array([0x80, 0x04, 0x95, 0x10, 0, 0, 0, 0, 0, 0, 0]);
    // Act / Assess
    expect(() => loadModel(pickled)).toThrow(UnsupportedModelError);
    expect(() => loadModel(pickled)).toThrow(/save_model/);
  });

  it('refuses an archive of several models (a k-fold ensemble) with an UnsupportedModelError', () => {
    // Prepare
    const artifact = gzipSync(
      tar([
        { name: 'xgboost-model-0', data: binf },
        { name: 'xgboost-model-1', data: binf },
      ]),
    );
    // Act / Assess
    expect(() => loadModel(artifact)).toThrow(UnsupportedModelError);
  });

  it('refuses trees that are inconsistent instead of predicting from them', () => {
    // Prepare
    const mutate = (edit: (tree: Record<string, unknown[]>) => void): Uint8Array => {
      const doc = JSON.parse(fixtureText('binary_logistic.json'));
      edit(doc.learner.gradient_booster.model.trees[0]);
      return new TextEncoder().encode(JSON.stringify(doc));
    };
    // Act / Assess
    const cycle = mutate((t) => {
      (t.left_children as number[])[1] = 0;
    });
    expect(() => loadModel(cycle)).toThrow(/cycle|reached twice/);
    const outside = mutate((t) => {
      (t.right_children as number[])[0] = 9999;
    });
    expect(() => loadModel(outside)).toThrow(/outside/);
    const feature = mutate((t) => {
      (t.split_indices as number[])[0] = 500;
    });
    expect(() => loadModel(feature)).toThrow(/feature 500/);
    const short = mutate((t) => {
      t.split_conditions = (t.split_conditions as number[]).slice(1);
    });
    expect(() => loadModel(short)).toThrow(ModelFormatError);
  });

  it('refuses a best_ntree_limit beyond the trees present, as XGBoost does', () => {
    // Prepare
    const doc = JSON.parse(fixtureText('binary_logistic.json'));
    doc.learner.attributes.best_ntree_limit = '999';
    // Act / Assess
    expect(() => loadModel(new TextEncoder().encode(JSON.stringify(doc)))).toThrow(/Invalid number of trees/);
  });

  it('names the source in its errors', () => {
    // Act / Assess
    expect(() => loadModel(new Uint8Array(3), { source: 's3://bucket/model.tar.gz' })).toThrow(
      /^s3:\/\/bucket\/model\.tar\.gz: /,
    );
  });
});

describe('readTar', () => {
  it('takes GNU long names and the ustar prefix into account', () => {
    // Prepare
    const longName = `${'d/'.repeat(70)}xgboost-model`;
    const archive = tar([
      { name: '././@LongLink', data: new TextEncoder().encode(`${longName}\0`), type: 'L' },
      { name: 'truncated-name', data: new Uint8Array([1, 2, 3]) },
    ]);
    // Act
    const entries = readTar(archive);
    // Assess
    expect(entries.map((e) => e.name)).toEqual([longName]);
    expect(Array.from(entries[0]?.data ?? [])).toEqual([1, 2, 3]);
  });

  it('refuses a header whose checksum is wrong', () => {
    // Prepare
    const archive = tar([{ name: 'xgboost-model', data: new Uint8Array(10) }]);
    archive[0] = 0x41;
    // Act / Assess
    expect(() => readTar(archive)).toThrow(/checksum/);
  });
});

describe('loadModel on corrupted bytes', () => {
  it('either loads a model that predicts or throws a ModelFormatError / UnsupportedModelError', () => {
    // Prepare
    const sources = [binf, ubj, json];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: sources.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        (which, edits) => {
          const bytes = (sources[which] as Uint8Array).slice();
          for (const [at, value] of edits) bytes[at % bytes.length] = value;
          // Act
          let model: ReturnType<typeof loadModel>;
          try {
            model = loadModel(bytes);
          } catch (error) {
            // Assess
            expect(error instanceof ModelFormatError || error instanceof UnsupportedModelError).toBe(true);
            return;
          }
          if (model.numFeature > 10_000) return; // a corrupted feature count: rows would not fit
          const rows = new Float32Array(model.numFeature * 3).fill(0.25);
          rows[0] = Number.NaN;
          expect(model.predict(rows).rows).toBe(3);
        },
      ),
      { numRuns: 400 },
    );
  });
});
