/** `berth registry`: flags → runRegistry() of src/registry/main.ts (loaded only here). */
import type { CommandModule } from '../../command-module';
import { CliExit } from '../../exit-codes';

interface RegistryFlags {
  addr?: string;
  data?: string;
  htpasswd?: string;
  tlsCert?: string;
  tlsKey?: string;
  authTokenRealm?: string;
  authTokenService?: string;
  authTokenIssuer?: string;
  authTokenRootcert?: string;
  authTokenIssueKey?: string;
  authTokenGrant: string[];
  authTokenTtl?: number;
  proxyRemoteUrl?: string;
  proxyUsername?: string;
  proxyPassword?: string;
  validationAllowMissingBlobs?: boolean;
}

export interface RegistryCliOptions {
  addr: string;
  data: string;
  htpasswd?: string;
  tlsCert?: string;
  tlsKey?: string;
}

const DESCRIPTION = `Run an OCI distribution registry

Auth: --htpasswd alone is Basic auth. Bearer tokens (the Docker token spec) are
checked against --auth-token-rootcert (certificates or public keys), with
--auth-token-realm/-service/-issuer naming the token server. With
--auth-token-issue-key KEY the registry is its own token server: it answers
GET /token?service=&scope=… (and the OAuth2 password grant by POST), checks
Basic credentials against --htpasswd, signs tokens with KEY (RSA, EC or Ed25519
PEM) and trusts them; the realm defaults to this registry's URL + /token (set
--auth-token-realm when clients reach it by another address).
Access rules: --auth-token-grant WHO=TYPE:NAME:ACTIONS, repeatable, WHO a user,
@authenticated or @anonymous, '*' a wildcard in NAME, e.g.
  --auth-token-grant '@anonymous=repository:public/*:pull'
  --auth-token-grant 'alice=repository:*:pull,push,delete'
Without rules, logged-in users get everything and anonymous clients nothing.

Pull-through cache: --proxy-remote-url URL serves what the upstream has,
fetching, verifying and caching on demand (tags are re-checked upstream and
served from the cache while it is unreachable); pushes and deletes are refused.

Manifests must reference blobs and manifests already in their repository
(MANIFEST_BLOB_UNKNOWN otherwise); --validation-allow-missing-blobs accepts them
anyway, for mirrors that copy only part of an image or index.`;

export const command: CommandModule<RegistryFlags> = {
  usage: '--addr HOST:PORT --data DIR [OPTIONS]',
  description: DESCRIPTION,
  flags: [
    { flags: '--addr', key: 'addr', kind: 'string', description: 'Listen address (HOST:PORT)', default: '127.0.0.1:5000' },
    { flags: '--data', key: 'data', kind: 'string', description: 'Storage directory' },
    { flags: '--htpasswd', key: 'htpasswd', kind: 'string', description: 'htpasswd file (bcrypt): Basic auth, or the token server\'s users' },
    { flags: '--tls-cert', key: 'tlsCert', kind: 'string', description: 'TLS certificate file' },
    { flags: '--tls-key', key: 'tlsKey', kind: 'string', description: 'TLS key file' },
    { flags: '--auth-token-realm', key: 'authTokenRealm', kind: 'string', description: 'Token server URL sent in challenges' },
    { flags: '--auth-token-service', key: 'authTokenService', kind: 'string', description: 'Service name tokens must carry as audience (default "berth-registry" when issuing)' },
    { flags: '--auth-token-issuer', key: 'authTokenIssuer', kind: 'string', description: 'Issuer tokens must carry (default "berth-token-issuer" when issuing)' },
    { flags: '--auth-token-rootcert', key: 'authTokenRootcert', kind: 'string', description: 'PEM certificates/public keys trusted to sign tokens' },
    { flags: '--auth-token-issue-key', key: 'authTokenIssueKey', kind: 'string', description: 'PEM private key: serve /token and sign tokens with it' },
    { flags: '--auth-token-grant', key: 'authTokenGrant', kind: 'list', description: 'Access rule of the built-in token server (WHO=TYPE:NAME:ACTIONS)' },
    { flags: '--auth-token-ttl', key: 'authTokenTtl', kind: 'int', description: 'Lifetime of issued tokens in seconds (default 300)' },
    { flags: '--proxy-remote-url', key: 'proxyRemoteUrl', kind: 'string', description: 'Upstream registry URL: run as its pull-through cache' },
    { flags: '--proxy-username', key: 'proxyUsername', kind: 'string', description: 'Username for the upstream' },
    { flags: '--proxy-password', key: 'proxyPassword', kind: 'string', description: 'Password for the upstream' },
    { flags: '--validation-allow-missing-blobs', key: 'validationAllowMissingBlobs', kind: 'bool', description: 'Accept manifests that reference blobs or manifests not pushed to the repository' },
  ],
  maxArgs: 0,
  async run(_ctx, _args, f) {
    if (!f.data) throw new CliExit(125, 'berth registry: --data is required');
    if (!!f.tlsCert !== !!f.tlsKey) throw new CliExit(125, 'berth registry: --tls-cert and --tls-key go together');
    if ((f.proxyUsername !== undefined || f.proxyPassword !== undefined) && !f.proxyRemoteUrl) throw new CliExit(125, 'berth registry: --proxy-username/--proxy-password need --proxy-remote-url');
    const token = {
      ...(f.authTokenRealm !== undefined ? { realm: f.authTokenRealm } : {}),
      ...(f.authTokenService !== undefined ? { service: f.authTokenService } : {}),
      ...(f.authTokenIssuer !== undefined ? { issuer: f.authTokenIssuer } : {}),
      ...(f.authTokenRootcert !== undefined ? { rootCert: f.authTokenRootcert } : {}),
      ...(f.authTokenIssueKey !== undefined ? { issueKey: f.authTokenIssueKey } : {}),
      ...(f.authTokenGrant.length > 0 ? { grants: f.authTokenGrant } : {}),
      ...(f.authTokenTtl !== undefined ? { ttlSec: f.authTokenTtl } : {}),
    };
    // loaded only here, like the daemon
    const main = require('../../../registry/main') as typeof import('../../../registry/main');
    await main.runRegistry({
      addr: f.addr ?? '127.0.0.1:5000',
      data: f.data,
      ...(f.htpasswd ? { htpasswd: f.htpasswd } : {}),
      ...(f.tlsCert ? { tlsCert: f.tlsCert, tlsKey: f.tlsKey } : {}),
      ...(f.validationAllowMissingBlobs ? { allowMissingBlobs: true } : {}),
      ...(Object.keys(token).length > 0 ? { tokenAuth: token } : {}),
      ...(f.proxyRemoteUrl
        ? { proxy: { url: f.proxyRemoteUrl, ...(f.proxyUsername !== undefined ? { username: f.proxyUsername } : {}), ...(f.proxyPassword !== undefined ? { password: f.proxyPassword } : {}) } }
        : {}),
    });
    return 0;
  },
};
