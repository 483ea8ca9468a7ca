/** What every part of the local SageMaker shares: storage, state, clock, identity, backend. */
import type { ObjectStore } from '../object-store';
import type { JsonStateStore } from './state';
import type { XgboostBackend } from './xgboost/train';

export interface SageMakerContext {
  readonly store: ObjectStore;
  readonly state: JsonStateStore;
  readonly backend: XgboostBackend;
  readonly region: string;
  readonly accountId: string;
  readonly now: () => Date;
  /** Custom images mapped to local commands (argv; `train` / `serve` is appended). */
  readonly customImages: Readonly<Record<string, readonly string[]>>;
  /** The state directory (custom containers get their `/opt/ml` under it). */
  readonly stateDir: string;
}

/** `arn:aws:sagemaker:<region>:<account>:<type>/<name>` (names are lower-cased in ARNs, as AWS does). */
export function sagemakerArn(ctx: SageMakerContext, type: string, name: string): string {
  return `arn:aws:sagemaker:${ctx.region}:${ctx.accountId}:${type}/${name.toLowerCase()}`;
}
