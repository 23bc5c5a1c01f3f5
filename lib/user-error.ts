/**
 * The one error type for expected failures: bad input, a refused request, a
 * conflict. Its message is shown to the pipeline user as is, so it names the
 * input or resource and what to do. Anything else is a bug and gets a stack trace.
 */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }

  // A task bundle carries its library as a second, lazily loaded copy (build/build.js):
  // a UserError from that copy is still a UserError here.
  static [Symbol.hasInstance](value: unknown): boolean {
    return value instanceof Error && value.name === 'UserError';
  }
}
