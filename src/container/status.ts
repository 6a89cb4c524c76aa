/** The container state machine: operations ask here before acting (youki's can_* style). */
import type { ContainerStatus } from './types';

export function canStart(s: ContainerStatus): boolean {
  return s === 'created' || s === 'exited';
}
export function isRunning(s: ContainerStatus): boolean {
  return s === 'running' || s === 'paused' || s === 'restarting';
}
export function canKill(s: ContainerStatus): boolean {
  return s === 'running' || s === 'paused';
}
export function canPause(s: ContainerStatus): boolean {
  return s === 'running';
}
export function canUnpause(s: ContainerStatus): boolean {
  return s === 'paused';
}
export function canExec(s: ContainerStatus): boolean {
  return s === 'running';
}
/** Removal without force needs a container that is not running. */
export function canRemove(s: ContainerStatus): boolean {
  return !isRunning(s) && s !== 'removing';
}

export const ZERO_TIME = '0001-01-01T00:00:00Z';
