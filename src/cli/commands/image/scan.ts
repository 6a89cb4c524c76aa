/** `berth scan IMAGE --db FILE`: POST /images/{name}/scan (Berth's own) with an OSV advisory file. */
import * as fs from 'node:fs';
import type { CommandModule } from '../../command-module';
import { CliExit } from '../../exit-codes';
import { renderList } from '../../output/list-format';

const TABLE = 'table {{.Package}}\t{{.Installed}}\t{{.FixedIn}}\t{{.Vulnerability}}\t{{.Severity}}';
const HEADERS: Record<string, string> = { Package: 'NAME', Installed: 'INSTALLED', FixedIn: 'FIXED-IN', Vulnerability: 'VULNERABILITY', Severity: 'SEVERITY', Type: 'TYPE', Location: 'LOCATION' };

export const command: CommandModule<{ db?: string; format?: string; exitCode?: string }> = {
  usage: '[OPTIONS] IMAGE',
  description: "Match an image's packages against an offline OSV advisory file",
  flags: [
    { flags: '--db', key: 'db', kind: 'string', description: 'Advisory file in the OSV format (one record, an array, or {"vulns": [...]})' },
    { flags: '--format', key: 'format', kind: 'string', description: "Output: 'table', 'json' (the whole report) or a template" },
    { flags: '--exit-code', key: 'exitCode', kind: 'string', description: 'Exit with this code when something is found (default 0)' },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, [name], f) {
    if (!f.db) throw new CliExit(125, 'scan needs an advisory file: --db FILE');
    const code = f.exitCode === undefined ? 0 : Number(f.exitCode);
    if (!Number.isInteger(code) || code < 0 || code > 255) throw new CliExit(125, `invalid --exit-code: ${f.exitCode}`);
    let advisories: unknown;
    try {
      advisories = JSON.parse(fs.readFileSync(f.db, 'utf8'));
    } catch (e) {
      throw new CliExit(125, `cannot read advisory file ${f.db}: ${(e as Error).message}`);
    }
    const client = await ctx.client();
    const report = await client.images.scan(name!, advisories);
    if (f.format === 'json') ctx.out.write(`${JSON.stringify(report, null, 2)}\n`);
    else {
      const rows = report.findings.map((x) => ({ Package: x.package, Installed: x.installed, FixedIn: x.fixedIn ?? '', Vulnerability: x.id, Severity: x.severity ?? '', Type: x.type, Location: `/${x.location}` }));
      if (rows.length) ctx.out.write(renderList(rows, f.format, { defaultTable: TABLE, headers: HEADERS }));
      ctx.err.write(`${report.packages} packages${report.distro ? ` (${report.distro})` : ''}, ${report.findings.length} vulnerabilities found\n`);
    }
    return report.findings.length ? code : 0;
  },
};
