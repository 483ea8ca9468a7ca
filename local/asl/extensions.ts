/**
 * The intrinsic functions and AWS's JSONata functions (written beside the core), behind one
 * seam so the core has a single place where it reaches them.
 */
import { evaluateIntrinsic, isIntrinsicCall } from './intrinsics/index';
import { awsJsonataBindings } from './jsonata-functions';

interface Extensions {
  isIntrinsicCall: typeof isIntrinsicCall;
  evaluateIntrinsic: typeof evaluateIntrinsic;
  awsJsonataBindings: typeof awsJsonataBindings;
}

const loaded: Extensions = { isIntrinsicCall, evaluateIntrinsic, awsJsonataBindings };

/** Kept for callers that awaited the former lazy loading; resolves at once. */
export function loadExtensions(): Promise<Extensions> {
  return Promise.resolve(loaded);
}

/** The intrinsic and JSONata extension functions. */
export function extensions(): Extensions {
  return loaded;
}
