import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ObjectStore, StoredReportMeta } from '../core/ports.js';
import { LARGE_QUERY_FIELDS, largeDeliveryId, objectKeyProblem } from './object-keys.js';

/**
 * The large-report bucket. Object metadata has the layout API Gateway's S3 integration writes
 * (lib/large-reports.ts): x-amz-meta-request-id, -delivery-key (Idempotency-Key), -webhook-id, and -q-<field>
 * per URL parameter; Content-Type and Content-Encoding as sent. `put` writes the same layout, for tests and
 * tools; on AWS only API Gateway writes.
 */
export class S3ObjectStore implements ObjectStore {
  constructor(private readonly client: S3Client, private readonly bucket: string) {}

  async put(key: string, body: Uint8Array, meta: StoredReportMeta): Promise<void> {
    checkKey(key);
    const query = Object.fromEntries(Object.entries(meta.query).map(([name, value]) => [`q-${name.toLowerCase()}`, value]));
    const ids: Record<string, string> = meta.idSource === 'header' ? { 'delivery-key': meta.deliveryId } : { 'request-id': meta.deliveryId.replace(/^large-/, '') };
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: meta.contentType, ContentEncoding: meta.contentEncoding, Metadata: { ...ids, ...query } }),
    );
  }

  async get(key: string) {
    checkKey(key);
    const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    const metadata = object.Metadata ?? {};
    const deliveryKey = metadata['delivery-key'] || metadata['webhook-id'] || undefined;
    const query: Record<string, string> = {};
    for (const name of LARGE_QUERY_FIELDS) {
      const value = metadata[`q-${name.toLowerCase()}`];
      if (value) query[name] = value;
    }
    const meta: StoredReportMeta = {
      deliveryId: deliveryKey ?? largeDeliveryId(metadata['request-id'] ?? key.slice(key.lastIndexOf('/') + 1)),
      idSource: deliveryKey === undefined ? 'request' : 'header',
      contentType: object.ContentType,
      contentEncoding: object.ContentEncoding,
      query,
    };
    // The SDK's body is a Node Readable on Lambda: an async iterable of chunks, read as it arrives.
    return { meta, body: object.Body as AsyncIterable<Uint8Array>, bytes: object.ContentLength ?? 0 };
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }
}

function checkKey(key: string): void {
  const problem = objectKeyProblem(key);
  if (problem) throw new Error(problem);
}
