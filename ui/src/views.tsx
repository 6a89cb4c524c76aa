/** The four resource lists and their actions. Each action is one Docker API call; the daemon decides. */
import type { ContainerSummaryWire, Port } from '../../src/protocol/docker/container';
import type { ImageSummaryWire } from '../../src/protocol/docker/image';
import type { Network } from '../../src/protocol/docker/network';
import type { Volume } from '../../src/protocol/docker/volume';
import { ContainerDetail } from './detail';
import { ago, bytes, shortId } from './format';
import { Action, Table } from './table';

export type Run = (what: string, method: 'POST' | 'DELETE', path: string) => void;

const name = (c: ContainerSummaryWire) => c.Names[0]?.replace(/^\//, '') ?? shortId(c.Id);
const ports = (ps: Port[]) =>
  ps.map((p) => (p.PublicPort ? `${p.IP ?? ''}:${p.PublicPort}→${p.PrivatePort}/${p.Type}` : `${p.PrivatePort}/${p.Type}`)).join(', ');

export function ContainersView(p: { rows: ContainerSummaryWire[]; selected: string | null; onSelect: (id: string) => void; run: Run }) {
  const sel = p.rows.find((c) => c.Id === p.selected);
  return (
    <>
      <Table
        label="containers"
        rows={p.rows}
        rowKey={(c) => c.Id}
        selected={p.selected}
        onSelect={p.onSelect}
        empty="No containers."
        columns={[
          { title: 'Name', cell: (c) => <span class="name">{name(c)}</span> },
          { title: 'Image', cell: (c) => c.Image },
          { title: 'State', cell: (c) => <span class={`state ${c.State}`}>{c.State}</span> },
          { title: 'Status', cell: (c) => c.Status },
          { title: 'Ports', cell: (c) => ports(c.Ports) },
          {
            title: 'Actions',
            cell: (c) => {
              const up = c.State === 'running' || c.State === 'restarting' || c.State === 'paused';
              return (
                <span class="actions">
                  {up ? <Action label="Stop" onClick={() => p.run(`stop ${name(c)}`, 'POST', `/containers/${c.Id}/stop`)} /> : <Action label="Start" onClick={() => p.run(`start ${name(c)}`, 'POST', `/containers/${c.Id}/start`)} />}
                  <Action label="Restart" onClick={() => p.run(`restart ${name(c)}`, 'POST', `/containers/${c.Id}/restart`)} />
                  <Action label="Remove" onClick={() => p.run(`remove ${name(c)}`, 'DELETE', `/containers/${c.Id}`)} />
                </span>
              );
            },
          },
        ]}
      />
      {sel ? <ContainerDetail key={sel.Id} c={sel} /> : p.rows.length > 0 && <p class="muted">Select a container for its live stats and logs.</p>}
    </>
  );
}

export function ImagesView({ rows, run }: { rows: ImageSummaryWire[]; run: Run }) {
  const ref = (i: ImageSummaryWire) => i.RepoTags?.find((t) => t !== '<none>:<none>');
  return (
    <Table
      label="images"
      rows={rows}
      rowKey={(i) => i.Id}
      empty="No images."
      columns={[
        { title: 'Repository:Tag', cell: (i) => ref(i) ?? <span class="muted">&lt;none&gt;</span> },
        { title: 'ID', cell: (i) => <code>{shortId(i.Id)}</code> },
        { title: 'Created', cell: (i) => ago(i.Created) },
        { title: 'Size', cell: (i) => bytes(i.Size) },
        { title: 'Actions', cell: (i) => <Action label="Remove" onClick={() => run(`remove ${ref(i) ?? shortId(i.Id)}`, 'DELETE', `/images/${encodeURIComponent(ref(i) ?? i.Id)}`)} /> },
      ]}
    />
  );
}

const PREDEFINED = new Set(['bridge', 'host', 'none']);

export function NetworksView({ rows, run }: { rows: Network[]; run: Run }) {
  return (
    <Table
      label="networks"
      rows={rows}
      rowKey={(n) => n.Id}
      empty="No networks."
      columns={[
        { title: 'Name', cell: (n) => n.Name },
        { title: 'ID', cell: (n) => <code>{shortId(n.Id)}</code> },
        { title: 'Driver', cell: (n) => n.Driver },
        { title: 'Subnet', cell: (n) => (n.IPAM?.Config ?? []).map((c) => c.Subnet).filter(Boolean).join(', ') },
        { title: 'Actions', cell: (n) => <Action label="Remove" disabled={PREDEFINED.has(n.Name)} onClick={() => run(`remove network ${n.Name}`, 'DELETE', `/networks/${n.Id}`)} /> },
      ]}
    />
  );
}

export function VolumesView({ rows, run }: { rows: Volume[]; run: Run }) {
  return (
    <Table
      label="volumes"
      rows={rows}
      rowKey={(v) => v.Name}
      empty="No volumes."
      columns={[
        { title: 'Name', cell: (v) => <code>{v.Name}</code> },
        { title: 'Driver', cell: (v) => v.Driver },
        { title: 'Mountpoint', cell: (v) => <code>{v.Mountpoint}</code> },
        { title: 'Actions', cell: (v) => <Action label="Remove" onClick={() => run(`remove volume ${v.Name}`, 'DELETE', `/volumes/${encodeURIComponent(v.Name)}`)} /> },
      ]}
    />
  );
}
