/**
 * Input a user typed is malformed: an option value, a HOST:PORT, a combination of options that cannot work. It lives
 * in the lowest layer that raises one (the endpoint parser next to it) so every layer above throws the same class;
 * the CLI maps it to exit code 2 with its one-line message (src/cli/exit-codes.ts).
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
