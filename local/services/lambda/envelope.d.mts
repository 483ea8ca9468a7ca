/** The Node.js Lambda runtime's error envelope: `{errorType, errorMessage, trace}`. */
export declare function errorEnvelope(error: unknown): {
  errorType: string;
  errorMessage: string;
  trace: string[];
};
