/**
 * The one error type of the local AWS services: an AWS error code (`NoSuchKey`,
 * `ExecutionDoesNotExist`, `ResourceNotFoundException`, `ValidationException`…), its message, the
 * HTTP status the service answers with and, for S3, the resource it concerns. The endpoints put it
 * on the wire as the SDKs expect (`{"__type", "message"}` for the JSON protocols, `<Error><Code>`
 * for S3), so the real SDK clients raise the exception classes they would against AWS.
 */

/** An error a local service answers with, shaped as AWS answers it. */
export class ServiceError extends Error {
  constructor(
    /** The AWS error code, also the error's `name`. */
    readonly code: string,
    message: string,
    /** The HTTP status of the answer (400 unless the service says otherwise). */
    readonly statusCode = 400,
    /** The bucket or key concerned (S3's `<Resource>`). */
    readonly resource?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = code;
  }

  /** The HTTP status (S3's spelling). */
  get status(): number {
    return this.statusCode;
  }

  /** The AWS JSON protocol error body: `{"__type": "<code>", "message": "…"}`. */
  toJSON(): { __type: string; message: string } {
    return { __type: this.code, message: this.message };
  }
}
