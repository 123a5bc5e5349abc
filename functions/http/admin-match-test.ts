import { instanceKey } from '../core/instance.js';
import { notFound, unprocessable } from '../core/errors.js';
import type { MatchTest } from '../core/ports.js';
import { apiCredentials, iscFailure } from './admin-isc-lookups.js';
import type { AdminDeps } from './admin-common.js';
import type { Route } from './router.js';
import { json } from './types.js';

const SAMPLE = 50;

/**
 * POST /admin/mappings/{instanceKey}/match-test: take up to 50 users from the instance's latest report, find
 * them in the target tenant and on the mapped source. A production instance mapped to a staging tenant shows
 * up here as FAILURE before any campaign is launched.
 */
export function matchTestRoute(deps: AdminDeps): Route {
  return {
    method: 'POST',
    path: '/admin/mappings/{instanceKey}/match-test',
    auth: 'admin',
    summary: 'Match test: share of the latest report’s users (up to 50) that have an account on the mapped ISC source. SUCCESS ≥ 90 %, PARTIAL ≥ 50 %, else FAILURE.',
    async handle(_request, { params, log }) {
      const key = instanceKey(params.instanceKey!);
      const mapping = await deps.store.getMapping(key);
      if (!mapping) throw notFound(`No mapping for instance "${key}".`);
      const target = await deps.store.getTarget(mapping.targetId);
      if (!target) throw unprocessable('target_not_found', `Target "${mapping.targetId}" does not exist.`);
      const credentials = await apiCredentials(deps, target, 'The match test');
      const seen = (await deps.store.instancesSeen([key])).get(key);
      const delivery = seen ? await deps.store.getDelivery(seen.lastDeliveryId) : undefined;
      const batches = delivery ? (await deps.store.deliveryBatches(delivery)).filter((b) => b.instanceKey === key) : [];
      const emails = [...new Set(batches.flatMap((b) => b.input.users.map((u) => u.email)))].slice(0, SAMPLE);
      if (emails.length === 0) throw unprocessable('no_report_users', `No users of "${mapping.instance}" in its latest report yet (only users a report marked inactive are kept); post a report first.`);

      let found: number;
      try {
        const identities = await deps.isc.resolveIdentities(target, credentials, emails);
        const withAccount = await deps.isc.identitiesWithAccount(target, credentials, mapping.source.id, [...identities.values()]);
        found = [...identities.values()].filter((id) => withAccount.has(id)).length;
      } catch (error) {
        return iscFailure(error, 'run the match test', 'try again later');
      }
      const share = found / emails.length;
      const result: MatchTest = {
        status: share >= 0.9 ? 'SUCCESS' : share >= 0.5 ? 'PARTIAL' : 'FAILURE',
        share: Math.round(share * 1000) / 1000,
        checked: emails.length,
        found,
        deliveryId: delivery!.id,
        at: deps.clock.now().toISOString(),
      };
      await deps.store.recordMatchTest(key, result);
      log.info('match test', { instanceKey: key, ...result });
      return json(200, { instanceKey: key, targetId: target.id, tenant: target.tenant, sourceId: mapping.source.id, ...result });
    },
  };
}
