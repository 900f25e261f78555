/** Errors the command line turns into one line on stderr and exit code 2. */

/** Bad input from the user: an unknown name, a bad option, a malformed file. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * The model itself threw, or broke the Model contract: names the model, the call, the action
 * and the step.
 */
export class ModelError extends Error {
  override readonly name = 'ModelError';
  constructor(
    readonly modelName: string,
    readonly call: string,
    readonly actionLabel: string | undefined,
    readonly step: number | undefined,
    override readonly cause: unknown,
    /** A broken contract rather than an exception: the message says what is wrong. */
    problem?: string,
  ) {
    const where = actionLabel === undefined ? call : `${call}(action "${actionLabel}")`;
    const at = step === undefined ? '' : ` at step ${step}`;
    super(problem === undefined ? `model "${modelName}" threw in ${where}${at}: ${describeError(cause)}` : `model "${modelName}"${at}: ${problem}`);
  }

  /** The model broke the contract of `call` (no exception): `problem` says how. */
  static contract(modelName: string, call: string, problem: string, step?: number): ModelError {
    return new ModelError(modelName, call, undefined, step, undefined, problem);
  }
}

/**
 * The first line of what was thrown. Anything may be thrown: an Error shows its name and
 * message; another object its JSON (not "[object Object]"); a primitive its String().
 */
export function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name === 'Error' ? '' : e.name + ': '}${e.message}`.split('\n')[0]!;
  if (typeof e === 'object' && e !== null) {
    let json: string | undefined;
    try {
      json = JSON.stringify(e);
    } catch {
      json = undefined; // cycles, BigInts
    }
    const shown = json ?? Object.prototype.toString.call(e);
    return `a non-Error was thrown: ${shown.length > 200 ? `${shown.slice(0, 200)}…` : shown}`;
  }
  return String(e).split('\n')[0]!;
}
