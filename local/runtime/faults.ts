/**
 * Fault injection for the end-to-end tests and for trying out failure handling by hand: makes the
 * local Lambda service fail chosen `score-shard` invocations. It lives in the runtime, never in the
 * production handlers.
 */
import type { FaultInjector } from '../services/lambda';

export interface ShardFaults {
  /** Shard ids (`"00003"`) whose batches fail. */
  readonly shardIds: readonly string[];
  /** How many attempts of each failing batch fail before one succeeds (default: all of them). */
  readonly times?: number;
  /** The error name the handler appears to throw (default `TransientError`, which the ASL retries). */
  readonly errorType?: string;
  /** The function to fail (default `score-shard`). */
  readonly functionName?: string;
}

function shardIdsOf(payload: unknown): string[] {
  const items = (payload as { Items?: unknown } | null)?.Items;
  if (!Array.isArray(items)) return [];
  return items.map((item) => String((item as { shardId?: unknown } | null)?.shardId ?? ''));
}

/** A {@link FaultInjector} failing the batches that hold one of the given shards. */
export function failShards(faults: ShardFaults): FaultInjector {
  const wanted = new Set(faults.shardIds);
  const times = faults.times ?? Number.POSITIVE_INFINITY;
  return ({ functionName, payload, attempt }) => {
    if (functionName !== (faults.functionName ?? 'score-shard')) return undefined;
    const hit = shardIdsOf(payload).find((id) => wanted.has(id));
    if (hit === undefined || attempt >= times) return undefined;
    const error = new Error(`Injected failure of shard ${hit} (attempt ${attempt + 1})`);
    error.name = faults.errorType ?? 'TransientError';
    return error;
  };
}

/**
 * Reads `SPARKMAKER_FAIL_SHARDS` (`00001,00004` or `00001,00004:2` = fail twice, then succeed) for
 * trying the failure paths from the CLI.
 */
export function shardFaultsFromEnv(value: string | undefined): FaultInjector | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const [ids, times] = value.split(':');
  return failShards({
    shardIds: (ids ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
    ...(times === undefined ? {} : { times: Number(times) }),
  });
}
