import * as z from 'zod/mini';
import { notFound, unprocessable } from '../core/errors.js';
import { ReportProfileInputSchema, type ReportProfile } from '../core/report-profile.js';
import { jsonBody } from './body.js';
import { PagingQuery, audit, queryParams, type AdminDeps } from './admin-common.js';
import type { Route } from './router.js';
import { json } from './types.js';
import { Deleted, RejectedReportList, ReportProfileList, ReportProfileSchema } from './responses.js';

const PROFILE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const ProfileId = z.string().check(z.regex(PROFILE_ID));

/** Report profiles (unknown report shapes taught without a code change) and the samples of refused reports. */
export function reportProfileRoutes(deps: AdminDeps): Route[] {
  return [
    {
      method: 'GET',
      path: '/admin/report-profiles',
      auth: 'admin',
      summary: 'List report profiles (row path + column names for report shapes ingest does not know by itself).',
      responses: { 200: { description: 'All report profiles.', schema: ReportProfileList } },
      async handle() {
        return json(200, { items: await deps.store.listReportProfiles() });
      },
    },
    {
      method: 'PUT',
      path: '/admin/report-profiles/{id}',
      auth: 'admin',
      summary: 'Create or replace a report profile: {"rowPath"?: "payload.items", "columns": {"email": "Mail", "daysActive": "Activity Days"}}. Used within a minute.',
      body: ReportProfileInputSchema,
      params: { id: ProfileId },
      responses: { 200: { description: 'Saved.', schema: ReportProfileSchema } },
      async handle(request, { params, actor }) {
        const id = params.id!;
        if (!PROFILE_ID.test(id)) throw unprocessable('validation_failed', 'Invalid profile id: use 1-64 letters, digits, - or _.', { field: 'id' });
        const input = jsonBody(request, ReportProfileInputSchema, 'report profile');
        if (Object.keys(input.columns).length === 0 && !input.rowPath) throw unprocessable('validation_failed', 'A profile needs a rowPath or at least one column name.', { field: 'columns' });
        const profile: ReportProfile = { id, ...input, updatedAt: deps.clock.now().toISOString(), updatedBy: actor };
        await deps.store.saveReportProfile(profile, audit('report-profile', id, 'update', actor, deps.clock, undefined, profile));
        return json(200, profile);
      },
    },
    {
      method: 'DELETE',
      path: '/admin/report-profiles/{id}',
      auth: 'admin',
      summary: 'Delete a report profile.',
      params: { id: ProfileId },
      responses: { 200: { description: 'Deleted.', schema: Deleted } },
      async handle(_request, { params, actor }) {
        if (!(await deps.store.deleteReportProfile(params.id!, audit('report-profile', params.id!, 'delete', actor, deps.clock)))) throw notFound(`Report profile "${params.id}" does not exist.`);
        return json(200, { deleted: params.id });
      },
    },
    {
      method: 'GET',
      path: '/admin/rejected-reports',
      auth: 'admin',
      summary: 'Reports refused as unusable (422), newest first, with what was found in them (keys and column names, no values): the material for a report profile.',
      query: RejectedQuery,
      responses: { 200: { description: 'Newest first.', schema: RejectedReportList } },
      async handle(request) {
        const { limit } = queryParams(request, RejectedQuery);
        return json(200, { items: await deps.store.listRejectedReports(limit ?? 50) });
      },
    },
  ];
}

const RejectedQuery = z.pick(PagingQuery, { limit: true });
