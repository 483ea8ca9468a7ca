/**
 * Reading a handler's payload (what the state machine passes): required fields with the field's path
 * in the message, unknown fields ignored (state machines may pass more than a handler needs).
 */
import { InputValidationError } from '../../shared/errors';
import { parseS3Uri, type S3Location } from '../../shared/s3';

/** A handler payload; getters throw {@link InputValidationError} naming `<function>: <field>`. */
export class Payload {
  private readonly value: Record<string, unknown>;

  constructor(
    value: unknown,
    private readonly owner: string,
    private readonly path = '',
  ) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new InputValidationError(
        `${owner}: ${path === '' ? 'the payload' : path} must be a JSON object, got ${JSON.stringify(value)?.slice(0, 60)}`,
        path === '' ? 'payload' : path,
      );
    }
    this.value = value as Record<string, unknown>;
  }

  /** The path of a field, for messages. */
  pathOf(name: string): string {
    return this.path === '' ? name : `${this.path}.${name}`;
  }

  /** Throws an {@link InputValidationError} about a field. */
  fail(name: string, expected: string): never {
    const field = this.pathOf(name);
    const got = JSON.stringify(this.value[name]);
    throw new InputValidationError(
      `${this.owner}: ${field} must be ${expected}, got ${got === undefined ? 'nothing' : got.slice(0, 80)}`,
      field,
    );
  }

  has(name: string): boolean {
    return this.value[name] !== undefined && this.value[name] !== null;
  }

  raw(name: string): unknown {
    return this.value[name];
  }

  string(name: string): string {
    const v = this.value[name];
    if (typeof v !== 'string' || v === '') this.fail(name, 'a non-empty string');
    return v;
  }

  optionalString(name: string): string | undefined {
    return this.has(name) ? this.string(name) : undefined;
  }

  oneOf<const T extends string>(name: string, allowed: readonly T[], fallback?: T): T {
    if (!this.has(name) && fallback !== undefined) return fallback;
    const v = this.value[name];
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
      this.fail(name, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
    }
    return v as T;
  }

  integer(name: string, min = 0, fallback?: number): number {
    if (!this.has(name) && fallback !== undefined) return fallback;
    const v = this.value[name];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) this.fail(name, `an integer ≥ ${min}`);
    return v;
  }

  boolean(name: string, fallback: boolean): boolean {
    if (!this.has(name)) return fallback;
    const v = this.value[name];
    if (typeof v !== 'boolean') this.fail(name, 'true or false');
    return v;
  }

  /** An `s3://` URI field, parsed. */
  location(name: string): S3Location {
    return parseS3Uri(this.string(name), this.pathOf(name));
  }

  /** A location the handler writes or deletes under: no `.`/`..` key segment (shared location type). */
  writableLocation(name: string): S3Location {
    return parseS3Uri(this.string(name), this.pathOf(name), { writable: true });
  }

  /** A nested object. */
  object(name: string): Payload {
    if (!this.has(name)) this.fail(name, 'a JSON object');
    return new Payload(this.value[name], this.owner, this.pathOf(name));
  }

  /** An array field. */
  array(name: string): unknown[] {
    const v = this.value[name];
    if (!Array.isArray(v)) this.fail(name, 'an array');
    return v;
  }

  /** An array of non-empty strings. */
  strings(name: string): string[] {
    const list = this.array(name);
    list.forEach((item, i) => {
      if (typeof item !== 'string' || item === '') {
        throw new InputValidationError(
          `${this.owner}: ${this.pathOf(name)}[${i}] must be a non-empty string`,
          `${this.pathOf(name)}[${i}]`,
        );
      }
    });
    return list as string[];
  }
}
