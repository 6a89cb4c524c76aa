/** Shape of commander's errors as main.ts reads them (kept apart so main.ts needs no eager commander import). */
export interface CommandError {
  code: string;
  message: string;
  exitCode: number;
}
