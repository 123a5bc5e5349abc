import { notFound } from '../core/errors.js';
import { instanceKey } from '../core/instance.js';
import { planDelivery, readReport } from '../core/ingest.js';
import { decodedBody } from './body.js';
import { compileProfiles } from '../core/report-profile.js';
import { queryParams, type AdminDeps } from './admin-common.js';
import { PreviewQuery } from './report-query.js';
import { PreviewAnswer } from './responses.js';
import type { Route } from './router.js';
import { json } from './types.js';

const PREVIEW_USERS = 5;

/**
 * Dry run: the whole ingest pipeline on a report, nothing stored or sent. Admins run it before enabling a
 * mapping to see who would be certified and how many trigger calls it would take.
 */
/** What the dry run reads: no secrets and no ISC, and nothing it writes. */
export type PreviewDeps = Pick<AdminDeps, 'store' | 'clock' | 'settings'> & { maxBodyBytes: number };

export function previewRoute(deps: PreviewDeps): Route {
  return {
    method: 'POST',
    path: '/admin/deliveries/preview',
    auth: 'admin',
    summary: 'Dry-run a report (JSON or CSV body, as the webhook takes it): per instance, users, inactive users, the first workflow input rows and the trigger calls it would make. Stores and sends nothing.',
    query: PreviewQuery,
    reportBody: true,
    headers: ['Content-Encoding'],
    responses: { 200: { description: 'What the report would become.', schema: PreviewAnswer } },
    errors: [404],
    async handle(request) {
      const { mapping: mappingKey, ...query } = queryParams(request, PreviewQuery);
      const mapping = mappingKey === undefined ? undefined : await deps.store.getMapping(instanceKey(mappingKey));
      if (mappingKey !== undefined && !mapping) throw notFound(`No mapping for instance "${mappingKey}".`);
      const body = decodedBody(request, deps.maxBodyBytes);
      const now = deps.clock.now();
      const read = await readReport(
        { body: body.toString('utf8'), bytes: body.length, contentType: request.headers['content-type'], query: mapping && !query.instance ? { ...query, instance: mapping.instance } : query },
        { settings: deps.settings, profiles: async () => compileProfiles(await deps.store.listReportProfiles()) },
      );
      const plan = await planDelivery(read, { id: 'preview', source: 'body' }, now, deps);
      const { delivery } = plan;
      const batches = [...plan.batches()];
      const shown = delivery.instances.filter((outcome) => !mapping || outcome.instanceKey === mapping.instanceKey);
      const mappings = await deps.store.getMappings(shown.map((outcome) => outcome.instanceKey));
      const instances = shown.map((outcome) => {
          const own = batches.filter((b) => b.instanceKey === outcome.instanceKey);
          const first = own[0]?.input;
          return {
            ...outcome,
            source: mappings.get(outcome.instanceKey)?.source ?? null,
            triggerCalls: own.length,
            sampleInput: first ? { ...first, users: first.users.slice(0, PREVIEW_USERS), usersShown: Math.min(PREVIEW_USERS, first.users.length), usersInBatch: first.users.length } : null,
          };
        });
      return json(200, { preview: true, report: delivery.report, rejectedCount: delivery.rejectedCount, rejectedRows: delivery.rejected, instances, triggerCalls: instances.reduce((n, i) => n + i.triggerCalls, 0) });
    },
  };
}
