import type { ReportProfile } from '../core/report-profile.js';
import { REPORT_HISTORY } from '../core/staleness.js';
import type { AuditEntry, InstanceSeen, MatchTest, RejectedReport } from '../core/types.js';
import type { AuditRepository } from './dynamodb-audit.js';
import { TABLE_SCHEMA, fromItem, keys, type Table } from './dynamodb-table.js';

/** What arrives: report profiles (how to read a report), samples of rejected reports, and each instance's arrivals. */
export function reportRepository(table: Table, audit: AuditRepository) {
  async function instancesSeen(instanceKeys: readonly string[]): Promise<Map<string, InstanceSeen>> {
    const items = await table.batchGet(instanceKeys.map(keys.instanceSeen));
    return new Map(items.map((item) => [String(item.instanceKey), fromItem<InstanceSeen>(item)!]));
  }

  return {
    instancesSeen,

    async listReportProfiles(): Promise<ReportProfile[]> {
      const items = await table.queryAll({ IndexName: TABLE_SCHEMA.listIndex.name, KeyConditionExpression: 'gsi2pk = :p', ExpressionAttributeValues: { ':p': 'PROFILES' } });
      return items.map((item) => fromItem<ReportProfile>(item)!);
    },

    async saveReportProfile(profile: ReportProfile, entry: AuditEntry): Promise<void> {
      const key = keys.reportProfile(profile.id);
      await table.put({ Item: { ...key, type: 'PROFILE', gsi2pk: 'PROFILES', gsi2sk: profile.id, ...profile } });
      await audit.append(key.pk, entry);
    },

    async deleteReportProfile(id: string, entry: AuditEntry): Promise<boolean> {
      const before = await table.delete(keys.reportProfile(id));
      if (before !== undefined) await audit.append(keys.reportProfile(id).pk, { ...entry, before: fromItem(before) });
      return before !== undefined;
    },

    /** Keep what an unusable report looked like (keys and column names, never values) for an admin. */
    async recordRejectedReport(report: RejectedReport): Promise<void> {
      await table.put({
        Item: { ...keys.rejectedReport(report.at, report.id), type: 'REJECTED', gsi2pk: 'REJECTED', gsi2sk: `${report.at}#${report.id}`, expiresAt: table.expiry(report.at), ...report },
      });
    },

    async listRejectedReports(limit: number): Promise<RejectedReport[]> {
      const { Items } = await table.query({ IndexName: TABLE_SCHEMA.listIndex.name, KeyConditionExpression: 'gsi2pk = :p', ExpressionAttributeValues: { ':p': 'REJECTED' }, ScanIndexForward: false, Limit: limit });
      return (Items ?? []).map((item) => fromItem<RejectedReport>(item)!);
    },

    async recordReportsSeen(instances: ReadonlyArray<{ instanceKey: string; instance: string; application?: string }>, deliveryId: string, at: string): Promise<void> {
      // Read-then-write: two reports for one instance at the same moment may keep only one arrival time, which
      // the learned interval (a median) shrugs off.
      const earlier = await instancesSeen(instances.map((seen) => seen.instanceKey));
      await table.batchWrite(
        instances.map((seen) => {
          const reportTimes = [...(earlier.get(seen.instanceKey)?.reportTimes ?? []), at].slice(-REPORT_HISTORY);
          return {
            PutRequest: { Item: { ...keys.instanceSeen(seen.instanceKey), type: 'SEEN', gsi2pk: 'SEEN', gsi2sk: seen.instanceKey, instanceKey: seen.instanceKey, instance: seen.instance, application: seen.application, lastReportAt: at, lastDeliveryId: deliveryId, reportTimes } },
          };
        }),
      );
    },

    async recordMatchTest(instanceKey: string, result: MatchTest): Promise<void> {
      await table.update({ Key: keys.instanceSeen(instanceKey), UpdateExpression: 'SET matchTest = :m', ExpressionAttributeValues: { ':m': result } });
    },
  };
}
