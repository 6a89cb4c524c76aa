/** Docker's "[y/N]" prompt for prune commands; a closed or non-interactive stdin answers no. */
import type { CliContext } from './cli-context';

export function confirm(ctx: CliContext, question: string): Promise<boolean> {
  ctx.out.write(`${question} [y/N] `);
  const stdin = ctx.streams.stdin;
  return new Promise((resolve) => {
    let answer = '';
    const done = (): void => {
      stdin.removeListener('data', onData);
      stdin.pause();
      resolve(/^y(es)?$/i.test(answer.trim()));
    };
    const onData = (b: Buffer): void => {
      answer += b.toString('utf8');
      if (answer.includes('\n')) done();
    };
    stdin.on('data', onData);
    stdin.once('end', done);
    stdin.resume();
  });
}
