/**
 * Report profiles: a report shape ingest does not know is refused with what was found, a redacted sample is
 * kept for the admin, and a profile added through the admin API makes the same report acceptable at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestAnswer, RejectedReportList, ReportProfileList } from '../../functions/http/responses.js';
import { ValidationIssues } from '../helpers/answer.js';
import { startMappedStack, webhookHeaders, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startMappedStack();
});
afterAll(() => stack.close());

const vendorReport = { payload: { usage: { items: [{ Mail: 'vendor@example.com', 'Activity Days': 0, Instance: 'Slack-production' }] } } };

describe('Report profiles', () => {
  it('refuses an unknown shape and keeps a sample with keys only, no values', async () => {
    const refused = await stack.call('POST', '/webhooks/saas-management', { body: vendorReport, headers: webhookHeaders() });
    expect(refused.status).toBe(422);
    expect(refused.error().code).toBe('unrecognized_report_shape');
    const rejected = await stack.call('GET', '/admin/rejected-reports');
    expect(rejected.read(RejectedReportList).items).toHaveLength(1);
    expect(rejected.read(RejectedReportList).items[0]).toMatchObject({ code: 'unrecognized_report_shape', sample: { found: { type: 'object', topLevelKeys: ['payload'] } } });
    expect(JSON.stringify(rejected.body)).not.toContain('vendor@example.com');
  });

  it('accepts the same report once a profile says where its rows are and what its columns are called', async () => {
    const profile = await stack.call('PUT', '/admin/report-profiles/vendor-x', { body: { rowPath: 'payload.usage.items', columns: { email: 'Mail', daysActive: 'Activity Days' } } });
    expect(profile.status).toBe(200);
    const accepted = await stack.call('POST', '/webhooks/saas-management', { body: vendorReport, headers: webhookHeaders() });
    expect(accepted.status).toBe(202);
    expect(accepted.read(IngestAnswer).instances[0]).toMatchObject({ instanceKey: 'slack-production', inactiveUsers: 1 });
    const csv = await stack.call('POST', '/webhooks/saas-management?instance=Slack-production', { raw: 'Mail,Activity Days\ncsv@example.com,0\n', headers: webhookHeaders({ 'content-type': 'text/csv' }) });
    expect(csv.status).toBe(202);
  });

  it('validates profiles and names the bad field', async () => {
    const bad = await stack.call('PUT', '/admin/report-profiles/bad', { body: { rowPath: 'a..b', columns: { colour: 'x' } } });
    expect(bad.status).toBe(422);
    expect(bad.error(ValidationIssues).details.issues.map((i) => i.field).sort()).toEqual(['columns.colour', 'rowPath'].sort());
    expect((await stack.call('DELETE', '/admin/report-profiles/nope')).status).toBe(404);
    expect((await stack.call('GET', '/admin/report-profiles')).read(ReportProfileList).items.map((p) => p.id)).toEqual(['vendor-x']);
  });
});
