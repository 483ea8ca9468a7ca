declare module 'asl-validator' {
  /** One problem asl-validator found in a definition. */
  export interface AslValidatorError {
    'Error code': string;
    Message?: string;
    path?: string;
  }
  /** The result of validating one state machine definition. */
  export interface AslValidatorResult {
    isValid: boolean;
    errors: AslValidatorError[];
    errorsText(separator?: string): string;
  }
  export default function aslValidator(
    definition: unknown,
    options?: Record<string, unknown>,
  ): AslValidatorResult;
}
