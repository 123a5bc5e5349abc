import type { IdentityDirectory } from '../core/identity-directory.js';
import { keys, type Table } from './dynamodb-table.js';

/** The identity directory cache: one small item per (tenant, email), and per (tenant, identity id) its manager, expiring by TTL. */
export function identityRepository(table: Table): IdentityDirectory {
  return {
    async cachedIdentities(tenantKey, emails, nowIso) {
      const items = await table.batchGet([...new Set(emails)].map((email) => keys.identity(tenantKey, email)));
      // Expiry is judged here too: TTL deletes late on AWS and never on a local engine.
      const now = Date.parse(nowIso) / 1000;
      return new Map(items.filter((item) => Number(item.expiresAt) > now).map((item) => [String(item.sk), String(item.identityId)]));
    },

    async cacheIdentities(tenantKey, found, expiresAtIso) {
      const expiresAt = Math.floor(Date.parse(expiresAtIso) / 1000);
      await table.batchWrite([...found].map(([email, identityId]) => ({ PutRequest: { Item: { ...keys.identity(tenantKey, email), type: 'IDENTITY', identityId, expiresAt } } })));
    },

    async forgetIdentities(tenantKey, emails) {
      await table.batchWrite([...new Set(emails)].map((email) => ({ DeleteRequest: { Key: keys.identity(tenantKey, email) } })));
    },

    async cachedManagers(tenantKey, identityIds, nowIso) {
      const items = await table.batchGet([...new Set(identityIds)].map((id) => keys.manager(tenantKey, id)));
      const now = Date.parse(nowIso) / 1000;
      return new Map(items.filter((item) => Number(item.expiresAt) > now).map((item) => [String(item.sk), { id: String(item.managerId), name: String(item.managerName) }]));
    },

    async cacheManagers(tenantKey, found, expiresAtIso) {
      const expiresAt = Math.floor(Date.parse(expiresAtIso) / 1000);
      await table.batchWrite([...found].map(([identityId, manager]) => ({ PutRequest: { Item: { ...keys.manager(tenantKey, identityId), type: 'MANAGER', managerId: manager.id, managerName: manager.name, expiresAt } } })));
    },
  };
}
