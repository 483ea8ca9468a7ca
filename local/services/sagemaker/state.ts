/**
 * The local SageMaker's persistent state: one JSON file per resource under
 * `<stateDir>/sagemaker/<kind>/<name>.json`, so jobs, models and registry entries survive a restart
 * and a person can read them. Writes go through a temporary file and a rename.
 */
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Kinds of resources kept. */
export type ResourceKind =
  | 'training-jobs'
  | 'transform-jobs'
  | 'models'
  | 'model-package-groups'
  | 'model-packages';

/** JSON documents by kind and name. */
export class JsonStateStore {
  constructor(private readonly root: string) {}

  private dir(kind: ResourceKind): string {
    return join(this.root, 'sagemaker', kind);
  }

  private file(kind: ResourceKind, name: string): string {
    return join(this.dir(kind), `${encodeURIComponent(name)}.json`);
  }

  async get<T>(kind: ResourceKind, name: string): Promise<T | undefined> {
    try {
      return JSON.parse(await readFile(this.file(kind, name), 'utf8')) as T;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async put(kind: ResourceKind, name: string, value: unknown): Promise<void> {
    await mkdir(this.dir(kind), { recursive: true });
    const target = this.file(kind, name);
    const temp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(temp, `${JSON.stringify(value, null, 2)}\n`);
    await rename(temp, target);
  }

  async list<T>(kind: ResourceKind): Promise<T[]> {
    let names: string[];
    try {
      names = await readdir(this.dir(kind));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const out: T[] = [];
    for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
      out.push(JSON.parse(await readFile(join(this.dir(kind), name), 'utf8')) as T);
    }
    return out;
  }
}
