/** Errors the command line turns into one line on stderr and exit code 2. */

/** Bad input from the user: an unknown name, a bad option, a malformed file. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The model itself threw: names the model, the call, the action and the step. */
export class ModelError extends Error {
  override readonly name = 'ModelError';
  constructor(
    readonly modelName: string,
    readonly call: string,
    readonly actionLabel: string | undefined,
    readonly step: number | undefined,
    override readonly cause: unknown,
  ) {
    const where = actionLabel === undefined ? call : `${call}(action "${actionLabel}")`;
    const at = step === undefined ? '' : ` at step ${step}`;
    super(`model "${modelName}" threw in ${where}${at}: ${describeError(cause)}`);
  }
}

export function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name === 'Error' ? '' : e.name + ': '}${e.message}`.split('\n')[0];
  return String(e).split('\n')[0];
}
