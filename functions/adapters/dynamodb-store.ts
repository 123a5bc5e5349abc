import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AdminStore, DispatchStore, IngestStore } from '../core/ports.js';
import type { HealthStore } from '../core/pipeline-health.js';
import type { RateLedger } from './rate-limiter.js';
import { auditRepository } from './dynamodb-audit.js';
import { batchReadRepository } from './dynamodb-batch-reads.js';
import { batchRepository } from './dynamodb-batches.js';
import { configRepository } from './dynamodb-config.js';
import { deliveryRepository } from './dynamodb-deliveries.js';
import { identityRepository } from './dynamodb-identities.js';
import { rateSlotRepository } from './dynamodb-rate-slots.js';
import { sentRepository } from './dynamodb-sent.js';
import { reportRepository } from './dynamodb-reports.js';
import { Table, auditTableFor } from './dynamodb-table.js';

export interface DynamoStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** The append-only audit table; default: the table's name + "-audit". */
  auditTableName?: string;
  /** Deliveries and batches expire (TTL) after this many days on AWS. */
  retentionDays?: number;
}

/** Every store port over one table: what ingest, dispatch, the sweep and the admin API each need. */
export type DynamoStore = IngestStore & DispatchStore & AdminStore & RateLedger & HealthStore;

/**
 * The store ports, each served by the repository of its aggregate (no inheritance; one table helper). SDK errors
 * never leave it: they become domain results or 503s (StoreUnavailableError).
 */
export function createDynamoStore(options: DynamoStoreOptions): DynamoStore {
  const table = new Table(options);
  const audit = auditRepository(new Table({ ...options, tableName: auditTableFor(options.tableName, options.auditTableName) }));
  return {
    ...configRepository(table, audit),
    ...reportRepository(table, audit),
    ...deliveryRepository(table),
    ...batchRepository(table),
    ...batchReadRepository(table),
    ...rateSlotRepository(table),
    ...identityRepository(table),
    recentlySentEmails: sentRepository(table).recentlySentEmails,
    recordAudit: audit.recordAudit,
    listAudit: audit.listAudit,
  };
}
