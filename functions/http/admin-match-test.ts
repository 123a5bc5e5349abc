import { instanceKey } from '../core/instance.js';
import { notFound, unprocessable } from '../core/errors.js';
import type { MatchTest } from '../core/types.js';
import { apiCredentials, iscFailure } from './admin-isc-lookups.js';
import type { AdminDeps } from './admin-common.js';
import type { Route } from './router.js';
import { json } from './types.js';
import { MatchTestResult } from './responses.js';

const SAMPLE = 50;

/**
 * POST /admin/mappings/{instanceKey}/match-test: take up to 50 users of the instance's newest batches (the
 * latest report's first; users its cooldown skipped were in an earlier batch) and find them in the target
 * tenant — the same measure, and the same threshold, that holds a batch as SUSPECT_MAPPING. How many of them
 * have an account on the mapped source is shown too. A production instance mapped to a staging tenant shows
 * up here as FAILURE before any campaign is launched.
 */
export function matchTestRoute(deps: AdminDeps & { matchThreshold: number }): Route {
  return {
    method: 'POST',
    path: '/admin/mappings/{instanceKey}/match-test',
    auth: 'admin',
    summary: 'Match test by the hold rule: share of the instance’s latest users (up to 50) that exist as identities in the tenant. SUCCESS: a batch like this is sent; FAILURE: below MATCH_THRESHOLD_PERCENT it would be held. onSource counts accounts on the source.',
    responses: { 200: { description: 'The share found, and whether a batch like this would be sent.', schema: MatchTestResult } },
    errors: [422],
    async handle(_request, { params, log }) {
      const key = instanceKey(params.instanceKey!);
      const mapping = await deps.store.getMapping(key);
      if (!mapping) throw notFound(`No mapping for instance "${key}".`);
      const target = await deps.store.getTarget(mapping.targetId);
      if (!target) throw unprocessable('target_not_found', `Target "${mapping.targetId}" does not exist.`);
      const credentials = await apiCredentials(deps, target, 'The match test');
      const { emails, deliveryId } = await deps.store.recentInstanceUsers(key, SAMPLE);
      if (emails.length === 0 || !deliveryId) throw unprocessable('no_report_users', `No users of "${mapping.instance}" in any report yet (only users a report marked inactive are kept); post a report first.`);

      let found: number;
      let onSource: number;
      try {
        const identities = [...(await deps.isc.resolveIdentities(target, credentials, emails)).values()];
        const withAccount = await deps.isc.identitiesWithAccount(target, credentials, mapping.source.id, identities);
        found = identities.length;
        onSource = identities.filter((id) => withAccount.has(id)).length;
      } catch (error) {
        return iscFailure(error, 'run the match test', 'try again later');
      }
      const share = found / emails.length;
      const result: MatchTest = {
        status: share >= deps.matchThreshold ? 'SUCCESS' : 'FAILURE',
        measure: 'identities',
        share: Math.round(share * 1000) / 1000,
        checked: emails.length,
        found,
        onSource,
        deliveryId,
        at: deps.clock.now().toISOString(),
      };
      await deps.store.recordMatchTest(key, result);
      log.info('match test', { instanceKey: key, ...result });
      return json(200, { instanceKey: key, targetId: target.id, tenant: target.tenant, sourceId: mapping.source.id, holdBelow: deps.matchThreshold, ...result });
    },
  };
}
