/** Exec create body → ExecCreateSpec, ExecInfo → GET /exec/{id}/json. Pure. */
import { InvalidArgumentError } from '../../../base/errors';
import type { ExecCreateSpec, ExecInfo } from '../../../container/types';
import type { ExecConfig, ExecInspectResponse } from '../../../protocol/docker/container';

export function translateExecCreate(body: ExecConfig | undefined): ExecCreateSpec {
  const cmd = typeof body?.Cmd === 'string' ? [body.Cmd] : (body?.Cmd ?? []);
  if (!cmd.length) throw new InvalidArgumentError('No exec command specified', 'NO_EXEC_CMD');
  const spec: ExecCreateSpec = {
    cmd,
    env: body?.Env ?? [],
    tty: body?.Tty === true,
    attachStdin: body?.AttachStdin === true,
    attachStdout: body?.AttachStdout === true,
    attachStderr: body?.AttachStderr === true,
    privileged: body?.Privileged === true,
  };
  if (body?.WorkingDir) spec.workingDir = body.WorkingDir;
  if (body?.User) spec.user = body.User;
  const cs = body?.ConsoleSize;
  if (cs && cs.length === 2 && (cs[0] > 0 || cs[1] > 0)) spec.consoleSize = [cs[0], cs[1]];
  return spec;
}

export function toExecInspect(info: ExecInfo): ExecInspectResponse {
  const [entrypoint = '', ...args] = info.spec.cmd;
  return {
    CanRemove: false,
    DetachKeys: '',
    ID: info.id,
    Running: info.running,
    ExitCode: info.exitCode,
    ProcessConfig: { privileged: info.spec.privileged, user: info.spec.user ?? '', tty: info.spec.tty, entrypoint, arguments: args },
    OpenStdin: info.openStdin,
    OpenStderr: info.spec.attachStderr,
    OpenStdout: info.spec.attachStdout,
    ContainerID: info.containerId,
    Pid: info.pid,
  };
}
