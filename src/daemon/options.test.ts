import { test } from 'node:test';
import assert from 'node:assert/strict';
import { daemonDefaults, rootlessDefaults, ROOTFUL_DEFAULTS } from './options';

test("a rootless daemon's places are dockerd-rootless's, with berth for docker", () => {
  assert.deepEqual(rootlessDefaults({ HOME: '/home/al', XDG_RUNTIME_DIR: '/run/user/1000' }), {
    dataRoot: '/home/al/.local/share/berth',
    execRoot: '/run/user/1000/berth',
    host: 'unix:///run/user/1000/berth.sock',
    configFile: '/home/al/.config/berth/daemon.json',
  });
  const xdg = rootlessDefaults({ HOME: '/home/al', XDG_RUNTIME_DIR: '/run/user/1000', XDG_DATA_HOME: '/data', XDG_CONFIG_HOME: '/cfg' });
  assert.equal(xdg.dataRoot, '/data/berth');
  assert.equal(xdg.configFile, '/cfg/berth/daemon.json');
  assert.throws(() => rootlessDefaults({ HOME: '/home/al' }), /rootless mode needs XDG_RUNTIME_DIR to be set/);
  assert.equal(daemonDefaults(false, {}), ROOTFUL_DEFAULTS);
});
