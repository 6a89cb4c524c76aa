/** Berth's dashboard: lists kept current by the daemon's event stream, actions behind the token. */
import { render } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { ContainerSummaryWire } from '../../src/protocol/docker/container';
import type { ImageSummaryWire } from '../../src/protocol/docker/image';
import type { Network } from '../../src/protocol/docker/network';
import type { SystemVersionResponse, EventMessage } from '../../src/protocol/docker/system';
import type { VolumeListResponse, Volume } from '../../src/protocol/docker/volume';
import { ApiError, act, getJson, isAbort, session, streamJson } from './api';
import { ContainersView, ImagesView, NetworksView, VolumesView } from './views';
import './style.css';

type Kind = 'containers' | 'images' | 'networks' | 'volumes';
const KINDS: Kind[] = ['containers', 'images', 'networks', 'volumes'];
const KIND_OF_EVENT: Record<string, Kind> = { container: 'containers', image: 'images', network: 'networks', volume: 'volumes' };

interface Lists {
  containers: ContainerSummaryWire[];
  images: ImageSummaryWire[];
  networks: Network[];
  volumes: Volume[];
}

const LOADERS: { [K in Kind]: () => Promise<Lists[K]> } = {
  containers: () => getJson('/containers/json?all=1'),
  images: () => getJson('/images/json'),
  networks: () => getJson<Network[]>('/networks').then((ns) => ns.sort((a, b) => a.Name.localeCompare(b.Name))),
  volumes: () => getJson<VolumeListResponse>('/volumes').then((r) => r.Volumes ?? []),
};

function Login({ authed, onChange }: { authed: boolean; onChange: (authed: boolean) => void }) {
  const [token, setToken] = useState('');
  const [bad, setBad] = useState(false);
  if (authed) {
    return (
      <div class="login">
        <span class="badge ok">signed in</span>
        <button type="button" class="btn" onClick={() => (session.logout(), onChange(false))}>
          Log out
        </button>
      </div>
    );
  }
  return (
    <form
      class="login"
      onSubmit={async (e) => {
        e.preventDefault();
        const ok = await session.login(token.trim());
        setBad(!ok);
        if (ok) {
          setToken('');
          onChange(true);
        }
      }}
    >
      <span class="badge">read-only</span>
      <input type="password" aria-label="token" placeholder="token from berthd's log" value={token} onInput={(e) => setToken(e.currentTarget.value)} class={bad ? 'bad' : ''} />
      <button type="submit" class="btn">
        Log in
      </button>
    </form>
  );
}

type FeedEvent = EventMessage & { key: string };

function Events({ events }: { events: FeedEvent[] }) {
  return (
    <aside class="events" aria-label="events">
      <h2>Events</h2>
      {events.length === 0 && <p class="muted">Waiting for events…</p>}
      <ol>
        {events.map((e) => (
          <li key={e.key}>
            <time>{new Date(e.timeNano / 1e6).toLocaleTimeString()}</time> <b>{e.Type}</b> {e.Action}{' '}
            <span class="muted">{e.Actor.Attributes.name ?? e.Actor.ID.replace(/^sha256:/, '').slice(0, 12)}</span>
          </li>
        ))}
      </ol>
    </aside>
  );
}

function App() {
  const [tab, setTab] = useState<Kind>('containers');
  const [authed, setAuthed] = useState(session.token() !== null);
  const [lists, setLists] = useState<Lists>({ containers: [], images: [], networks: [], volumes: [] });
  const [events, setEvents] = useState<FeedEvent[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [notice, setNotice] = useState<{ error: boolean; text: string } | null>(null);
  const [live, setLive] = useState(false);
  const [version, setVersion] = useState('');

  const refresh = useCallback((kinds: Iterable<Kind>) => {
    for (const k of kinds) {
      LOADERS[k]().then(
        (rows) => setLists((l) => ({ ...l, [k]: rows })),
        (e: unknown) => setNotice({ error: true, text: `listing ${k}: ${(e as Error).message}` }),
      );
    }
  }, []);

  // The event stream keeps every list current. It starts ten minutes back (the feed's history); after a
  // lost connection it resumes at the last event's second, skipping what was seen, and lists everything again.
  useEffect(() => {
    const ac = new AbortController();
    let timer = 0;
    let pending = new Set<Kind>();
    let since = Math.floor(Date.now() / 1000) - 600;
    let seenAtSince = new Set<string>();
    const onEvent = (e: EventMessage) => {
      const key = `${e.timeNano}-${e.Type}-${e.Action}-${e.Actor.ID}`;
      if (e.time < since || (e.time === since && seenAtSince.has(key))) return;
      if (e.time > since) {
        since = e.time;
        seenAtSince = new Set();
      }
      seenAtSince.add(key);
      setEvents((p) => [{ ...e, key }, ...p].slice(0, 100));
      const k = KIND_OF_EVENT[e.Type];
      if (!k) return;
      pending.add(k);
      if (!timer)
        timer = window.setTimeout(() => {
          timer = 0;
          refresh(pending);
          pending = new Set();
        }, 150);
    };
    refresh(KINDS);
    void (async () => {
      for (let delay = 1000, first = true; !ac.signal.aborted; delay = Math.min(delay * 2, 15_000)) {
        try {
          await streamJson<EventMessage>(`/events?since=${since}`, onEvent, ac.signal, () => {
            setLive(true);
            delay = 1000;
            if (!first) refresh(KINDS);
            first = false;
          });
        } catch (e) {
          if (isAbort(e)) return;
        }
        setLive(false);
        await new Promise((r) => setTimeout(r, delay));
      }
    })();
    getJson<SystemVersionResponse>('/version').then((v) => setVersion(`Berth ${v.Version} · API ${v.ApiVersion} · ${v.Os}/${v.Arch}`), () => undefined);
    return () => {
      ac.abort();
      clearTimeout(timer);
    };
  }, [refresh]);

  const run = useCallback(
    (what: string, method: 'POST' | 'DELETE', path: string) => {
      setNotice({ error: false, text: `${what}…` });
      act(method, path).then(
        () => {
          setNotice({ error: false, text: `${what}: done` });
          refresh(KINDS);
        },
        (e: unknown) => {
          if (e instanceof ApiError && e.status === 401) {
            session.logout();
            setAuthed(false);
          }
          setNotice({ error: true, text: `${what}: refused: ${(e as Error).message}` });
        },
      );
    },
    [refresh],
  );

  const running = lists.containers.filter((c) => c.State === 'running').length;
  return (
    <>
      <header>
        <h1>Berth</h1>
        <span class={`dot ${live ? 'on' : ''}`} title={live ? 'live: following events' : 'reconnecting'} />
        <span class="muted version">{version}</span>
        <Login authed={authed} onChange={setAuthed} />
      </header>
      <nav>
        {KINDS.map((k) => (
          <button type="button" key={k} class={k === tab ? 'tab on' : 'tab'} onClick={() => setTab(k)} aria-pressed={k === tab}>
            {k[0]!.toUpperCase() + k.slice(1)} <span class="count">{k === 'containers' ? `${running}/${lists.containers.length}` : lists[k].length}</span>
          </button>
        ))}
      </nav>
      {notice && (
        <p class={notice.error ? 'notice error' : 'notice'} role={notice.error ? 'alert' : 'status'}>
          {notice.text}
        </p>
      )}
      <div class="layout">
        <main>
          {tab === 'containers' && <ContainersView rows={lists.containers} selected={selected} onSelect={setSelected} run={run} />}
          {tab === 'images' && <ImagesView rows={lists.images} run={run} />}
          {tab === 'networks' && <NetworksView rows={lists.networks} run={run} />}
          {tab === 'volumes' && <VolumesView rows={lists.volumes} run={run} />}
        </main>
        <Events events={events} />
      </div>
    </>
  );
}

// index.html paints a header before this script runs (first paint need not wait for the bundle)
const root = document.getElementById('app')!;
root.textContent = '';
render(<App />, root);
