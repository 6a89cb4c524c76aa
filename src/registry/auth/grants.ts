/**
 * The built-in token issuer's access list: rules `WHO=TYPE:PATTERN:ACTIONS`
 * (e.g. `@anonymous=repository:public/*:pull`) and the spec's intersection of
 * what a client asks for with what the rules give it. Pure.
 *
 * WHO is a user name from the htpasswd file, `@authenticated` (any user who
 * logged in) or `@anonymous` (no credentials). PATTERN is a resource name where
 * `*` stands for any run of characters, `/` included.
 */
import type { AccessEntry } from './scope.js';

export const ANONYMOUS = '@anonymous';
export const AUTHENTICATED = '@authenticated';

export interface GrantRule {
  who: string;
  type: string;
  pattern: RegExp;
  actions: ReadonlySet<string>;
  /** the rule as written, for logs and errors */
  source: string;
}

/** Without `--auth-token-grant`: users who log in get everything, anonymous clients nothing. */
export const DEFAULT_GRANTS = [`${AUTHENTICATED}=repository:*:*`, `${AUTHENTICATED}=registry:catalog:*`];

export class GrantRuleError extends Error {
  constructor(rule: string, why: string) {
    super(`invalid grant ${JSON.stringify(rule)}: ${why} (expected WHO=TYPE:NAME:ACTIONS, e.g. @anonymous=repository:public/*:pull)`);
    this.name = 'GrantRuleError';
  }
}

export function parseGrantRule(rule: string): GrantRule {
  const eq = rule.indexOf('=');
  if (eq <= 0) throw new GrantRuleError(rule, 'missing WHO=');
  const who = rule.slice(0, eq);
  const rest = rule.slice(eq + 1);
  const first = rest.indexOf(':');
  const last = rest.lastIndexOf(':');
  if (first <= 0 || last === first) throw new GrantRuleError(rule, 'missing TYPE:NAME:ACTIONS');
  const type = rest.slice(0, first);
  const name = rest.slice(first + 1, last);
  const actions = rest.slice(last + 1).split(',');
  if (who.startsWith('@') && who !== ANONYMOUS && who !== AUTHENTICATED) throw new GrantRuleError(rule, `unknown group ${who}`);
  if (/[\s:]/.test(who)) throw new GrantRuleError(rule, 'bad user name');
  if (!/^[a-z0-9]+(?:\([a-z0-9]+\))?$/.test(type)) throw new GrantRuleError(rule, 'bad resource type');
  // Repository-name characters and '*' only: a rule cannot name '..' or '%2e' paths.
  if (!/^[a-z0-9._/*-]+$/.test(name) || name.includes('..') || name.includes('//')) throw new GrantRuleError(rule, 'bad resource name pattern');
  if (actions.some((a) => !/^(?:[a-z]+|\*)$/.test(a))) throw new GrantRuleError(rule, 'bad action');
  const pattern = new RegExp('^' + name.split('*').map(escapeRegExp).join('.*') + '$');
  return { who, type, pattern, actions: new Set(actions), source: rule };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function appliesTo(rule: GrantRule, subject: string | undefined): boolean {
  if (subject === undefined) return rule.who === ANONYMOUS;
  return rule.who === AUTHENTICATED || rule.who === subject;
}

/**
 * What `subject` (undefined: anonymous) gets of `requested`: per resource the
 * requested actions the rules grant; resources left with nothing are dropped
 * (getting less than asked is not an error in the spec, the registry decides).
 */
export function intersectAccess(rules: readonly GrantRule[], subject: string | undefined, requested: readonly AccessEntry[]): AccessEntry[] {
  const out: AccessEntry[] = [];
  for (const r of requested) {
    const granted = new Set<string>();
    for (const rule of rules) {
      if (rule.type !== r.type || !appliesTo(rule, subject) || !rule.pattern.test(r.name)) continue;
      for (const a of rule.actions) granted.add(a);
    }
    // A granted '*' covers every action asked for; asking for '*' needs '*' itself.
    const actions = r.actions.filter((a) => granted.has('*') || (a !== '*' && granted.has(a)));
    if (actions.length > 0) out.push({ type: r.type, name: r.name, actions });
  }
  return out;
}
