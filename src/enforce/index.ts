import { existsSync } from 'node:fs';
import path from 'node:path';
import { HardlineError } from '../core/errors.js';
import { type LoadedPolicy, loadPolicyFile, POLICY_FILENAME } from '../policy/loader.js';
import type { Policy } from '../policy/schema.js';
import { buildAllowlist, hostAddresses } from './allowlist.js';
import { BanManager } from './bans.js';
import { type NftExecutor, RealNftExecutor } from './executor.js';
import { createLogger, type Logger } from './log.js';
import { type ResolvedHosts, type Resolver, resolveTrunkHosts, systemResolver } from './ruleset.js';

export type { BanDecision, Incident } from './bans.js';
export { BanManager } from './bans.js';

/** Finds the policy for enforce commands: --policy, else ./hardline.yaml (required: no defaults). */
export function loadEnforcePolicy(policyArg: string | undefined, stateDir?: string): LoadedPolicy {
  const file = path.resolve(policyArg ?? POLICY_FILENAME);
  if (!policyArg && !existsSync(file))
    throw new HardlineError(
      'HL_ERR_POLICY_NOT_FOUND',
      `no ${POLICY_FILENAME} in the current folder: firewall and ban need the site policy (--policy FILE)`,
    );
  const loaded = loadPolicyFile(file);
  if (stateDir) loaded.policy.firewall.state_dir = path.resolve(stateDir);
  return loaded;
}

/** The executor for a command: the real nft, inside a network namespace when one is named. */
export function nftExecutor(netns?: string): NftExecutor {
  return new RealNftExecutor(netns ? { prefix: ['ip', 'netns', 'exec', netns] } : {});
}

export interface BanManagerSetup {
  policy: Policy;
  executor?: NftExecutor;
  logger?: Logger;
  resolver?: Resolver;
  /** This host's addresses (default: the interfaces'). */
  host?: { iface: string; address: string }[];
  stateFile?: string;
  now?: () => number;
}

/**
 * Builds a ban manager the way watch and the CLI use it: trunk hostnames resolved now, the
 * allowlist built from the policy and this host, state in `firewall.state_dir/bans.json`.
 */
export async function createBanManager(
  o: BanManagerSetup,
): Promise<{ manager: BanManager; resolved: ResolvedHosts }> {
  const logger = o.logger ?? createLogger();
  const resolved = await resolveTrunkHosts(o.policy, o.resolver ?? systemResolver);
  for (const f of resolved.failures)
    logger.warn(
      { event: 'trunk_unresolved', trunk: f.trunk, host: f.host, error: f.error },
      `trunk ${f.trunk}: ${f.host} did not resolve; its addresses are not on the allowlist`,
    );
  const allowlist = buildAllowlist(o.policy, { resolved, host: o.host ?? hostAddresses() });
  const manager = new BanManager({
    policy: o.policy,
    executor: o.executor ?? nftExecutor(),
    allowlist,
    logger,
    ...(o.stateFile ? { stateFile: o.stateFile } : {}),
    ...(o.now ? { now: o.now } : {}),
  });
  return { manager, resolved };
}
