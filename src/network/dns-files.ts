/**
 * What a container's /etc/resolv.conf and /etc/hosts should say, pure.
 * On networks with DNS (user-defined bridges) the nameserver is aardvark-dns on
 * the gateway; otherwise the host's resolvers, minus loopback ones a container
 * cannot reach (Docker does the same, falling back to Google DNS).
 */
export interface ResolvConfInput {
  hostResolvConf: string;
  /** gateways of attached networks that run aardvark-dns */
  aardvarkServers: string[];
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
}

const FALLBACK_DNS = ['8.8.8.8', '8.8.4.4'];

export function renderResolvConf(input: ResolvConfInput): string {
  const lines = input.hostResolvConf.split('\n').map((l) => l.trim());
  const hostServers = lines.filter((l) => /^nameserver\s/.test(l)).map((l) => l.split(/\s+/)[1]!).filter((ip) => !/^127\./.test(ip) && ip !== '::1');
  const hostSearch = lines.filter((l) => /^(search|domain)\s/.test(l)).flatMap((l) => l.split(/\s+/).slice(1));
  const hostOptions = lines.filter((l) => /^options\s/.test(l)).flatMap((l) => l.split(/\s+/).slice(1));
  let servers: string[];
  if (input.aardvarkServers.length > 0) servers = input.aardvarkServers; // aardvark forwards the rest to the host's resolvers
  else if (input.dns?.length) servers = input.dns;
  else servers = hostServers.length ? hostServers : FALLBACK_DNS;
  const search = input.dnsSearch?.length ? input.dnsSearch : hostSearch;
  const options = input.dnsOptions?.length ? input.dnsOptions : hostOptions;
  const out: string[] = [];
  if (search.length) out.push(`search ${search.join(' ')}`);
  for (const s of servers) out.push(`nameserver ${s}`);
  if (options.length) out.push(`options ${options.join(' ')}`);
  return out.join('\n') + '\n';
}

export interface HostsInput {
  hostname: string;
  domainname?: string;
  /** the container's own addresses */
  addresses: string[];
  /** Docker's ExtraHosts, "name:ip" */
  extraHosts?: string[];
}

/** Docker's ExtraHosts ("name:ip") as hosts-file lines. */
export function extraHostsLines(extraHosts: string[]): string[] {
  return extraHosts.flatMap((h) => {
    const i = h.indexOf(':');
    return i > 0 ? [`${h.slice(i + 1)}\t${h.slice(0, i)}`] : [];
  });
}

export function renderHosts(input: HostsInput): string {
  const out = [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'ff00::0\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
  ];
  out.push(...extraHostsLines(input.extraHosts ?? []));
  const names = input.domainname ? `${input.hostname}.${input.domainname} ${input.hostname}` : input.hostname;
  for (const a of input.addresses) out.push(`${a}\t${names}`);
  return out.join('\n') + '\n';
}
