/**
 * The endpoint side of the local SageMaker's persistent state: one JSON file per endpoint and
 * endpoint configuration under `<stateDir>/sagemaker/{endpoints,endpoint-configs}/<name>.json`, and
 * the tags of every resource in `<stateDir>/sagemaker/tags.json`, so `sparkmaker endpoints` can list
 * what a crashed process left behind. Writes go through a temporary file and a rename.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Kinds kept here. */
export type EndpointResourceKind = 'endpoints' | 'endpoint-configs';

async function writeAtomic(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(temp, `${JSON.stringify(value, null, 2)}\n`);
  await rename(temp, path);
}

/** JSON documents by kind and name, and tags by ARN. */
export class EndpointStateStore {
  private tagWrite: Promise<void> = Promise.resolve();

  constructor(private readonly root: string) {}

  private file(kind: EndpointResourceKind | 'models', name: string): string {
    return join(this.root, 'sagemaker', kind, `${encodeURIComponent(name)}.json`);
  }

  async get<T>(kind: EndpointResourceKind, name: string): Promise<T | undefined> {
    try {
      return JSON.parse(await readFile(this.file(kind, name), 'utf8')) as T;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  put(kind: EndpointResourceKind, name: string, value: unknown): Promise<void> {
    return writeAtomic(this.file(kind, name), value);
  }

  /** Removes a document (models too: DeleteModel of the local SageMaker's `models/` records). */
  async remove(kind: EndpointResourceKind | 'models', name: string): Promise<void> {
    await rm(this.file(kind, name), { force: true });
  }

  async list<T>(kind: EndpointResourceKind | 'models'): Promise<T[]> {
    const dir = join(this.root, 'sagemaker', kind);
    const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[];
      throw error;
    });
    const out: T[] = [];
    for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
      const text = await readFile(join(dir, name), 'utf8').catch(() => undefined);
      if (text !== undefined) out.push(JSON.parse(text) as T);
    }
    return out;
  }

  private tagsFile(): string {
    return join(this.root, 'sagemaker', 'tags.json');
  }

  async allTags(): Promise<Record<string, Array<{ Key: string; Value: string }>>> {
    try {
      return JSON.parse(await readFile(this.tagsFile(), 'utf8')) as Record<
        string,
        Array<{ Key: string; Value: string }>
      >;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
  }

  /** Changes the tags of one ARN; writes are serialised. */
  updateTags(
    arn: string,
    change: (tags: Array<{ Key: string; Value: string }>) => Array<{ Key: string; Value: string }>,
  ): Promise<void> {
    const next = this.tagWrite.then(async () => {
      const all = await this.allTags();
      const updated = change(all[arn] ?? []);
      if (updated.length === 0) delete all[arn];
      else all[arn] = updated;
      await writeAtomic(this.tagsFile(), all);
    });
    this.tagWrite = next.catch(() => undefined);
    return next;
  }
}
