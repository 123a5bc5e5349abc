/**
 * Holds JSON values against the schemas of SailPoint's published v3 OpenAPI (test/contract/isc-v3-openapi-excerpt.json).
 * Stricter than OpenAPI on one point, on purpose: a property the model does not define is a problem, because a
 * misspelt field name is exactly what ISC silently ignores.
 */
import { readFileSync } from 'node:fs';

export interface Schema {
  type?: string;
  nullable?: boolean;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  oneOf?: Schema[];
  anyOf?: Schema[];
  additionalProperties?: boolean;
}

export interface Operation {
  operationId: string;
  method: string;
  /** Relative to the API version (/v3 unless `version` says otherwise), with {name} parameters. */
  path: string;
  version?: string;
  deprecated?: boolean;
  userLevels?: string[];
  successStatus: number[];
  requestBody?: Schema;
  responses: Record<string, Schema | null>;
  /** The spec's text on which fields and operators `filters` supports. */
  filters?: string;
}

export const excerpt = JSON.parse(readFileSync(new URL('./isc-v3-openapi-excerpt.json', import.meta.url), 'utf8')) as {
  _source: { source: string; commit: string; spec: string };
  operations: Record<string, Operation>;
};
export const operations = Object.values(excerpt.operations);

/** The operation a request goes to: `GET /v3/campaigns/abc` → getCampaign. */
export function operationOf(method: string, pathname: string): Operation | undefined {
  const version = /^\/(v3|v2025)(?=\/)/.exec(pathname)?.[1];
  if (!version) return undefined;
  const path = pathname.slice(version.length + 1);
  return operations.find((op) => (op.version ?? 'v3') === version && op.method === method && new RegExp(`^${op.path.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path));
}

/** Every way `value` departs from `schema`, as "$.path: what is wrong"; empty when it conforms. */
export function problems(schema: Schema, value: unknown, at = '$'): string[] {
  if (value === null) return schema.nullable || schema.type === undefined ? [] : [`${at}: null, but the model says ${schema.type}`];
  const variants = schema.oneOf ?? schema.anyOf;
  if (variants) {
    const each = variants.map((variant) => problems(variant, value, at));
    return each.some((found) => found.length === 0) ? [] : [`${at}: matches none of the model's ${variants.length} variants (${each[0]![0]})`];
  }
  if (schema.type && !hasType(schema.type, value)) return [`${at}: ${describe(value)}, but the model says ${schema.type}`];
  if (schema.enum && !schema.enum.includes(value)) return [`${at}: ${JSON.stringify(value)} is not one of ${schema.enum.join(', ')}`];
  if (Array.isArray(value)) return schema.items ? value.flatMap((item, i) => problems(schema.items!, item, `${at}[${i}]`)) : [];
  if (typeof value !== 'object') return [];
  const object = value as Record<string, unknown>;
  const found = (schema.required ?? []).filter((name) => object[name] === undefined).map((name) => `${at}.${name}: required by the model, missing`);
  for (const [name, item] of Object.entries(object)) {
    const property = schema.properties?.[name];
    if (property) found.push(...problems(property, item, `${at}.${name}`));
    else if (schema.properties && !schema.additionalProperties) found.push(`${at}.${name}: not in the model`);
  }
  return found;
}

/** Whether a field path we read (`[].attributes.email`, `owner.id`) exists in a response schema. */
export function defines(schema: Schema | null | undefined, path: string): boolean {
  if (!schema) return false;
  const [head, ...rest] = path.split('.').filter(Boolean);
  if (head === undefined) return true;
  const variants = schema.oneOf ?? schema.anyOf;
  if (variants) return variants.some((variant) => defines(variant, path));
  if (head === '[]') return schema.type === 'array' && defines(schema.items, rest.join('.'));
  const property = schema.properties?.[head];
  if (property) return defines(property, rest.join('.'));
  // A free-form object (identity `attributes`: an object without properties, or with additionalProperties) defines any key.
  return schema.additionalProperties === true || (schema.properties === undefined && schema.type === 'object');
}

/** The fields `filters` supports for an operation, with their operators, from the spec's text. */
export function filterFields(op: Operation): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  for (const [, field, operators] of (op.filters ?? '').matchAll(/\*\*([\w.]+)\*\*: \*([\w, ]+)\*/g)) fields.set(field!, operators!.split(/,\s*/));
  return fields;
}

function hasType(type: string, value: unknown): boolean {
  switch (type) {
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    default:
      return typeof value === type;
  }
}

function describe(value: unknown): string {
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/** One HTTP exchange a client made, as the contract tests hold it against the model. */
export interface Exchange {
  method: string;
  url: URL;
  request: unknown;
  status: number;
  response: unknown;
}

/** A fetch that records every exchange into `exchanges`, JSON bodies parsed (what the real client sends and gets). */
export function recordingFetch(exchanges: Exchange[]): typeof fetch {
  return async (resource, init) => {
    const response = await fetch(resource, init);
    const text = await response.clone().text();
    const parse = (body: string | undefined): unknown => (body ? JSON.parse(body) : undefined);
    const body = init?.body;
    const isJson = typeof body === 'string' && body.startsWith('{');
    exchanges.push({ method: init?.method ?? 'GET', url: new URL(resource instanceof Request ? resource.url : resource), request: isJson ? parse(body) : body, status: response.status, response: parse(text) });
    return response;
  };
}
