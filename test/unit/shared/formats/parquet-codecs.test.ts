import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parquetColumns, readParquetBatches } from '../../../../shared/formats/parquet';

const dir = join(import.meta.dirname, '..', '..', '..', 'fixtures', 'formats', 'parquet-codecs');

describe('the Parquet reader with compressed inputs', () => {
  // Written by DuckDB: scripts/fixtures/make-parquet-codecs.ts (lz4 is written as LZ4_RAW).
  for (const codec of ['uncompressed', 'snappy', 'gzip', 'zstd', 'lz4', 'brotli']) {
    it(`reads every row of a ${codec} file, row group by row group`, async () => {
      const bytes = new Uint8Array(readFileSync(join(dir, `${codec}.parquet`)));

      const columns = await parquetColumns(bytes);
      const ids: unknown[] = [];
      const xs: unknown[] = [];
      const names: unknown[] = [];
      let groups = 0;
      for await (const batch of readParquetBatches(bytes, { source: `${codec}.parquet` })) {
        groups++;
        ids.push(...Array.from(batch.columns.get('id') ?? []));
        xs.push(...Array.from(batch.columns.get('x') ?? []));
        names.push(...Array.from(batch.columns.get('name') ?? []));
      }

      expect(columns.map((c) => c.name)).toEqual(['id', 'x', 'name', 'label']);
      expect(groups).toBeGreaterThanOrEqual(1);
      expect(ids.map(Number)).toEqual(Array.from({ length: 300 }, (_, i) => i));
      expect(xs).toEqual(Array.from({ length: 300 }, (_, i) => i * 0.25));
      expect(names[299]).toBe(`name-${299 % 7}`);
    });
  }
});
