import { AppError, badRequest } from '../core/errors.js';
import { checkDeliveryKey } from '../core/ingest.js';
import { bodyKind } from '../core/report.js';
import type { ObjectStore, StoredReportMeta } from '../core/ports.js';
import { LARGE_QUERY_FIELDS, largeDeliveryId, largeReportKey } from '../adapters/object-keys.js';
import { tooLarge } from './body.js';
import type { Route } from './router.js';
import { json } from './types.js';
import { ReportQuery } from './report-query.js';
import { LargeReportReceipt } from './responses.js';

/** API Gateway's own payload limit: the most a sender can post to the large-report URL on AWS (gzip allowed). */
export const LARGE_BODY_BYTES = 10 * 1024 * 1024;

export interface LargeReportDeps {
  objects: ObjectStore;
  /** Starts ingest of a stored body: on AWS the S3 event does it, locally the stack calls ingest in-process. */
  onStored(key: string): void;
  maxBodyBytes?: number;
}

/**
 * POST /webhooks/saas-management/large: the body is stored as it came and answered at once with 202
 * RECEIVED; ingest streams it afterwards and its outcome appears on the delivery (a refusal under GET
 * /admin/rejected-reports with the same id). On AWS API Gateway serves this route itself (S3 integration behind
 * a Lambda authorizer, lib/large-reports.ts) with the same answer; this route is the local stack's and the docs'.
 */
export function largeWebhookRoute(deps: { largeReports?: LargeReportDeps }): Route {
  return {
    method: 'POST',
    path: '/webhooks/saas-management/large',
    auth: 'webhook',
    summary: 'Receive a report larger than 6 MB (JSON or CSV, gzip allowed, up to 10 MB as sent): 202 {deliveryId, status:"RECEIVED"} once it is stored; ingest follows.',
    query: ReportQuery,
    reportBody: true,
    headers: ['Idempotency-Key', 'Webhook-Id', 'Content-Encoding'],
    responses: { 202: { description: 'Stored as sent; ingest follows and its outcome appears on the delivery (a refusal under GET /admin/rejected-reports).', schema: LargeReportReceipt } },
    errors: [404],
    async handle(request) {
      const large = deps.largeReports;
      if (!large) throw new AppError(404, 'not_found', 'Large reports are received by API Gateway directly on this deployment.');
      const limit = large.maxBodyBytes ?? LARGE_BODY_BYTES;
      if (request.body.length > limit) throw tooLarge(limit);
      if (request.body.length === 0) throw badRequest('The body is empty.');
      const encoding = (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
      if (!['identity', '', 'gzip'].includes(encoding)) throw new AppError(415, 'unsupported_encoding', `Content-Encoding ${encoding} is not supported; send gzip or no encoding.`);
      // Only the declared type is judged now (a generic one is sniffed at ingest, after gunzip).
      bodyKind(request.headers['content-type'], '');
      const deliveryKey = request.headers['idempotency-key'] ?? request.headers['webhook-id'];
      checkDeliveryKey(deliveryKey);
      const meta: StoredReportMeta = {
        deliveryId: deliveryKey ?? largeDeliveryId(request.requestId),
        idSource: deliveryKey === undefined ? 'request' : 'header',
        contentType: request.headers['content-type'],
        contentEncoding: encoding,
        query: Object.fromEntries(LARGE_QUERY_FIELDS.flatMap((name) => (request.query[name] === undefined ? [] : [[name, request.query[name]]]))),
      };
      const key = largeReportKey(request.requestId);
      await large.objects.put(key, request.body, meta);
      large.onStored(key);
      return json(202, { deliveryId: meta.deliveryId, status: 'RECEIVED' });
    },
  };
}
