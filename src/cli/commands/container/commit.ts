/** `berth commit CONTAINER [REPOSITORY[:TAG]]`: POST /commit; prints the new image's id. */
import type { CommandModule } from '../../command-module';

export const command: CommandModule<{ author?: string; change: string[]; message?: string; pause: boolean }> = {
  usage: '[OPTIONS] CONTAINER [REPOSITORY[:TAG]]',
  description: "Create a new image from a container's changes",
  flags: [
    { flags: '-a, --author', key: 'author', kind: 'string', description: 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")' },
    { flags: '-c, --change', key: 'change', kind: 'list', description: 'Apply Dockerfile instruction to the created image' },
    { flags: '-m, --message', key: 'message', kind: 'string', description: 'Commit message' },
    { flags: '-p, --pause', key: 'pause', kind: 'bool', default: true, description: 'Pause container during commit' },
    { flags: '--no-pause', key: 'pause', kind: 'bool', hidden: true, description: 'Do not pause the container' },
  ],
  minArgs: 1,
  maxArgs: 2,
  async run(ctx, [container, ref], f) {
    const client = await ctx.client();
    // the docker CLI sends the whole reference as `repo` and no tag
    const r = await client.containers.commit(container!, { repo: ref, comment: f.message, author: f.author, changes: f.change, pause: f.pause });
    ctx.out.write(`${r.Id}\n`);
    return 0;
  },
};
