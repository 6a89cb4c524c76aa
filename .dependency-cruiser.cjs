/**
 * The import rules of docs/architecture (imports only point downward), enforced in CI.
 * Run: npx depcruise src --config .dependency-cruiser.cjs
 */
const DOMAIN = '^src/(engine|container|image|layer|runtime|network|volume|state|platform|builder|registry|kube|sbom)/';
module.exports = {
  forbidden: [
    {
      name: 'base-is-a-leaf',
      comment: 'src/base imports nothing internal',
      severity: 'error',
      from: { path: '^src/base/' },
      to: { path: '^src/', pathNot: '^src/base/' },
    },
    {
      name: 'core-knows-no-doors',
      comment: 'the core never reaches the API, the CLI, the client or the daemon',
      severity: 'error',
      from: { path: DOMAIN },
      to: { path: '^src/(api|cli|client|daemon|compose|bin)/' },
    },
    {
      name: 'docker-wire-types-stay-at-the-edge',
      comment: 'protocol/docker is for api/docker, client, cli and compose only',
      severity: 'error',
      from: { path: DOMAIN },
      to: { path: '^src/protocol/docker/' },
    },
    {
      name: 'cli-is-a-client',
      comment: 'the CLI reaches the engine only through the API (client/)',
      severity: 'error',
      from: { path: '^src/(cli|client|compose)/' },
      to: { path: '^src/(engine|container|image|layer|runtime|network|volume|state|builder|kube|api)/' },
    },
    {
      name: 'volume-sits-below-containers',
      comment: 'src/volume imports only state, platform and base (docs/architecture); containers come to it, never the reverse',
      severity: 'error',
      from: { path: '^src/volume/' },
      to: { path: '^src/', pathNot: '^src/(volume|state|platform|base)/' },
    },
    {
      name: 'no-cycles',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.test\\.ts$' },
  },
};
