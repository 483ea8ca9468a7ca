import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleState } from '../../../../local/console/state';
import { renderModelView } from '../../../../shared/report';

describe('ConsoleState.model', () => {
  let stateDir: string;

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'sparkmaker-console-state-'));
    const runs = join(stateDir, 's3', 'sparkmaker-artifacts', 'runs');
    // metrics.json as the evaluate step writes it for KMeans and PCA (kind clustering / projection).
    await mkdir(join(runs, 'train-kmeans'), { recursive: true });
    await writeFile(
      join(runs, 'train-kmeans', 'metrics.json'),
      JSON.stringify({
        objective: 'kmeans',
        kind: 'clustering',
        metrics: {
          count: 30,
          wcss: 12.5,
          silhouette: 0.41,
          k: 3,
          clusterSizes: { '10': 4, '2': 16, '0': 10 },
        },
      }),
    );
    await mkdir(join(runs, 'train-pca'), { recursive: true });
    await writeFile(
      join(runs, 'train-pca', 'metrics.json'),
      JSON.stringify({
        objective: 'pca',
        kind: 'projection',
        metrics: {
          count: 30,
          explainedVariance: [2.5, 1.25],
          totalExplainedVariance: 3.75,
          explainedVarianceRatio: 0.8,
        },
      }),
    );
  });

  afterAll(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it('reads cluster sizes by cluster id and shows them as bars', async () => {
    const state = new ConsoleState(stateDir, undefined);
    const model = await state.model('train-kmeans');
    expect(model?.clusterSizes).toEqual([
      { cluster: '0', size: 10 },
      { cluster: '2', size: 16 },
      { cluster: '10', size: 4 },
    ]);
    expect(model?.metrics).toMatchObject({ wcss: 12.5, silhouette: 0.41, k: 3 });
    const page = renderModelView(model!).value;
    expect(page).toContain('id="clusters"');
    expect(page).toContain('>cluster 10</text>');
  });

  it('reads the explained variance per component and the share kept', async () => {
    const state = new ConsoleState(stateDir, undefined);
    const model = await state.model('train-pca');
    expect(model?.explainedVariance).toEqual([2.5, 1.25]);
    expect(model?.explainedVarianceRatio).toBe(0.8);
    const page = renderModelView(model!).value;
    expect(page).toContain('>PC2</text>');
    expect(page).toContain('keep 80.0%');
    expect(await state.hasModel('train-pca')).toBe(true);
    expect(await state.hasModel('train-none')).toBe(false);
  });
});
