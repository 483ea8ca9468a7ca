/** The data page: `dt=` partitions (files, bytes, rows, manifest, `_SUCCESS`) and quarantine objects. */
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { DataPageView, PartitionView, QuarantineView } from '../../shared/report';
import { obj, parseJson } from './state-files';

/** The data page: `dt=` partitions of the data bucket and the quarantine objects. */
/** The data page: `dt=` partitions of the data bucket and the quarantine objects. */
export async function readDataPage(s3Root: string): Promise<DataPageView> {
  const partitions: PartitionView[] = [];
  const quarantine: QuarantineView[] = [];
  const buckets = await readdir(s3Root).catch(() => [] as string[]);
  for (const bucket of buckets) {
    const root = join(s3Root, bucket);
    const dirs = await collectPartitionDirs(root, 6);
    for (const dir of dirs) {
      const files = (await readdir(dir, { withFileTypes: true }).catch(() => [])).filter((e) => e.isFile());
      const key = relative(root, dir).split(sep).join('/');
      const dt = /dt=([^/]+)$/.exec(key)?.[1] ?? '';
      let bytes = 0;
      let rows = 0;
      let counted = true;
      const dataFiles = files.filter((f) => !f.name.startsWith('_') && !f.name.startsWith('.'));
      for (const f of dataFiles) {
        const info = await stat(join(dir, f.name));
        bytes += info.size;
        if (/\.(csv|out|jsonl|libsvm)$/.test(f.name) && info.size <= 64 * 1024 * 1024) {
          rows += await countRows(join(dir, f.name), f.name.endsWith('.csv'));
        } else counted = false;
      }
      const manifestText = await readFile(join(dir, '_manifest.json'), 'utf8').catch(() => undefined);
      const manifestRows = obj(parseJson(manifestText))?.rows;
      partitions.push({
        uri: `s3://${bucket}/${key}/`,
        dt,
        files: dataFiles.length,
        bytes,
        ...(typeof manifestRows === 'number' ? { rows: manifestRows } : counted ? { rows } : {}),
        ...(manifestText === undefined ? {} : { manifest: manifestText }),
        success: files.some((f) => f.name === '_SUCCESS'),
      });
    }
    const qroot = join(root, 'quarantine');
    for (const file of await listFiles(qroot, 8)) {
      const text = await readFile(file, 'utf8').catch(() => '');
      const lines = text.split('\n').filter((l) => l.trim() !== '');
      quarantine.push({
        uri: `s3://${bucket}/${relative(root, file).split(sep).join('/')}`,
        total: lines.length,
        entries: lines.slice(0, 100).map((l) => obj(parseJson(l)) ?? { line: l }),
      });
    }
  }
  partitions.sort((a, b) => a.uri.localeCompare(b.uri));
  return { partitions, quarantine };
}

async function collectPartitionDirs(root: string, depth: number): Promise<string[]> {
  if (depth < 0) return [];
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries) {
    if (!e.isDirectory() || e.name === 'quarantine') continue;
    const path = join(root, e.name);
    if (e.name.startsWith('dt=')) out.push(path);
    else out.push(...(await collectPartitionDirs(path, depth - 1)));
  }
  return out;
}

async function listFiles(root: string, depth: number): Promise<string[]> {
  if (depth < 0) return [];
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries) {
    const path = join(root, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(path, depth - 1)));
    else if (e.isFile()) out.push(path);
  }
  return out.sort();
}

/** Lines of a text file (less a CSV header), counted in chunks. */
async function countRows(path: string, csv: boolean): Promise<number> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(1 << 16);
    let lines = 0;
    let last = 10;
    let first = -1;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      if (first < 0) first = buffer[0]!;
      for (let i = 0; i < bytesRead; i++) if (buffer[i] === 10) lines++;
      last = buffer[bytesRead - 1]!;
    }
    if (last !== 10) lines++;
    if (first < 0) return 0;
    // A header line starts with a letter (`id,score`); data rows of these files start with a digit, sign or quote.
    if (csv && ((first >= 65 && first <= 90) || (first >= 97 && first <= 122))) {
      const head = Buffer.alloc(256);
      const { bytesRead } = await handle.read(head, 0, head.length, 0);
      const line = head.subarray(0, bytesRead).toString('utf8').split('\n')[0] ?? '';
      if (/^[A-Za-z_][\w ]*(,[A-Za-z_][\w ]*)*\r?$/.test(line)) lines--;
    }
    return lines;
  } finally {
    await handle.close();
  }
}
