/**
 * Errors of the SageMaker API, named as the service names them (`ValidationException`,
 * `ResourceNotFound`, `ResourceInUse`, `ConflictException`), and how a Step Functions optimized
 * integration reports them: error `SageMaker.AmazonSageMakerException`, cause
 * `<message> (Service: AmazonSageMaker; Status Code: 400; Error Code: <code>; Request ID: <id>)`.
 */
import { randomUUID } from 'node:crypto';
import { StatesError } from '../../asl/errors';
import { ServiceError } from '../errors';

/**
 * A SageMaker API error (`ValidationException`, `ResourceNotFound`, `ResourceInUse`,
 * `ConflictException`, `ResourceLimitExceeded`, `UnknownOperationException`) with its HTTP status:
 * the one service error type of the local services ({@link ServiceError}).
 */
export const SageMakerApiError = ServiceError;
/** The instance type of {@link SageMakerApiError}. */
export type SageMakerApiError = ServiceError;

/** The error a state machine Task sees when the SageMaker API call itself fails. */
export function toStatesError(error: SageMakerApiError): StatesError {
  return new StatesError(
    'SageMaker.AmazonSageMakerException',
    `${error.message} (Service: AmazonSageMaker; Status Code: ${error.statusCode}; Error Code: ${error.code}; Request ID: ${randomUUID()}; Proxy: null)`,
  );
}

/** Throws ValidationException unless `value` is a non-empty string. */
export function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new SageMakerApiError(
      'ValidationException',
      `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

/** SageMaker resource names: `^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}`. */
export function requireName(value: unknown, field: string): string {
  const name = requireString(value, field);
  if (!/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/.test(name)) {
    throw new SageMakerApiError(
      'ValidationException',
      `1 validation error detected: Value '${name}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}`,
    );
  }
  return name;
}
