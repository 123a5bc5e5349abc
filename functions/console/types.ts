/**
 * The admin API's answers as the console reads them: the types of the route table's response schemas
 * (functions/http/responses.ts), so the console and docs/openapi.json read one description. Types only:
 * nothing here reaches the bundle.
 */
import type * as z from 'zod/mini';
import type { Mapping, MappingInput } from '../core/mapping.js';
import type { Delivery } from '../core/delivery.js';
import type { Environment } from '../core/instance.js';
import type * as Answers from '../http/responses.js';

export type { Delivery, Environment, Mapping, MappingInput };

export interface Page<T> {
  items: T[];
  next: string | null;
}

export type MappingView = z.output<typeof Answers.MappingView>;
export type TargetView = z.output<typeof Answers.TargetView>;
export type DeliveryDetail = z.output<typeof Answers.DeliveryDetail>;
export type BatchView = DeliveryDetail['batches'][number];
export type ReplayResult = z.output<typeof Answers.ReplayAnswer>;
export type PreviewResult = z.output<typeof Answers.PreviewAnswer>;
