/**
 * Regenerates test/contract/isc-v3-openapi-excerpt.json from a checkout of github.com/sailpoint-oss/api-specs:
 *   node test/contract/extract-isc-spec.mjs /path/to/api-specs > test/contract/isc-v3-openapi-excerpt.json
 * Only the operations this project calls are kept, with $refs resolved, allOf merged, descriptions and examples
 * dropped and nesting cut at depth 4, so the tests read a small file and never the network. js-yaml comes with
 * sailpoint-api-client (a devDependency). Update COMMIT to the checkout's `git rev-parse HEAD`.
 * With `nerm` after the checkout it writes the NERM v1 excerpt instead (nerm/openapi.yaml, with each operation's
 * query parameter names): `… <api-specs checkout> nerm > test/contract/nerm-v1-openapi-excerpt.json`.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import yaml from 'js-yaml';

const [, , checkout, flavour] = process.argv;
const nerm = flavour === 'nerm';
if (!checkout) throw new Error('usage: node test/contract/extract-isc-spec.mjs <api-specs checkout>');
const COMMIT = execFileSync('git', ['-C', checkout, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
const MAX_DEPTH = 4;
const OPERATIONS = [
  ['/search', 'post'], ['/campaigns', 'get'], ['/campaigns', 'post'], ['/campaigns/{id}', 'get'], ['/campaigns/{id}/activate', 'post'],
  ['/sources', 'get'], ['/sources/{id}', 'get'], ['/accounts', 'get'],
  ['/workflows/execute/external/{id}', 'post'], ['/workflows/execute/external/{id}/test', 'post'], ['/workflow-library/actions', 'get'],
  ['/workflow-executions/{id}', 'get'], ['/certifications', 'get'], ['/certifications/{id}/decision-summary', 'get'],
  ['/workflows', 'get'], ['/workflows', 'post'], ['/workflows/{id}', 'put'], ['/workflows/{id}/external/oauth-clients', 'post'],
  ['/workflows/{id}/test', 'post'],
  // v3's execution history is deprecated; the client reads v2025's, the same WorkflowExecutionEvent list.
  ['/workflow-executions/{id}/history', 'get', 'v2025'],
];

const cache = new Map();
const load = (file) => {
  if (!cache.has(file)) cache.set(file, yaml.load(readFileSync(file, 'utf8')));
  return cache.get(file);
};
const pointer = (doc, path) => path.split('/').slice(1).reduce((node, key) => node[key.replace(/~1/g, '/').replace(/~0/g, '~')], doc);

function deref(node, file) {
  for (let hops = 0; node?.$ref && hops < 20; hops++) {
    const [target, path] = node.$ref.split('#');
    file = target ? resolve(dirname(file), target) : file;
    node = path ? pointer(load(file), path) : load(file);
  }
  return [node, file];
}

function schema(node, file, depth = 0) {
  [node, file] = deref(node, file);
  if (!node || typeof node !== 'object' || depth > MAX_DEPTH) return {};
  const out = {};
  for (const key of ['type', 'nullable', 'enum']) if (node[key] !== undefined) out[key] = node[key];
  for (const part of node.allOf ?? []) {
    const merged = schema(part, file, depth);
    for (const key of ['type', 'nullable', 'enum']) if (merged[key] !== undefined) out[key] = merged[key];
    if (merged.properties) out.properties = { ...out.properties, ...merged.properties };
    if (merged.required) out.required = [...new Set([...(out.required ?? []), ...merged.required])];
  }
  for (const key of ['oneOf', 'anyOf']) if (node[key]) out[key] = node[key].map((part) => schema(part, file, depth + 1));
  if (node.properties) {
    out.properties = { ...out.properties };
    for (const [name, value] of Object.entries(node.properties)) out.properties[name] = schema(value, file, depth + 1);
  }
  if (node.required) out.required = [...new Set([...(out.required ?? []), ...node.required])];
  if (node.items) out.items = schema(node.items, file, depth + 1);
  if (node.additionalProperties && typeof node.additionalProperties === 'object') out.additionalProperties = true;
  return out;
}

function operation(specFile, path, method, version) {
  const [item, file] = deref(load(specFile).paths[path], specFile);
  const op = item[method];
  const successStatus = Object.keys(op.responses).filter((code) => code.startsWith('2'));
  const responses = {};
  for (const code of successStatus) {
    const [response, responseFile] = deref(op.responses[code], file);
    const body = response.content?.['application/json']?.schema;
    responses[code] = body ? schema(body, responseFile) : null;
  }
  const request = op.requestBody ? deref(op.requestBody, file) : undefined;
  const parameters = (op.parameters ?? []).map((p) => deref(p, file)[0]);
  const filters = parameters.find((p) => p.name === 'filters')?.description;
  return {
    operationId: op.operationId,
    method: method.toUpperCase(),
    path,
    ...(version ? { version } : {}),
    ...(op.deprecated ? { deprecated: true } : {}),
    userLevels: op['x-sailpoint-userLevels'],
    successStatus: successStatus.map(Number),
    ...(request ? { requestBody: schema(request[0].content['application/json'].schema, request[1]) } : {}),
    responses,
    ...(filters ? { filters: filters.replace(/\s+/g, ' ').slice(0, 900) } : {}),
    ...(nerm ? { queryParameters: parameters.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: schema(p.schema, file) })) } : {}),
  };
}

// The NERM v1 calls of the non-employee look-up (adapters/nerm-client.ts), under https://{tenant}.nonemployee.com/api.
const NERM_OPERATIONS = [['/users', 'get'], ['/users/{id}', 'get'], ['/user_managers', 'get']];
if (nerm) {
  const spec = resolve(checkout, 'nerm/openapi.yaml');
  const found = NERM_OPERATIONS.map(([path, method]) => [`${method.toUpperCase()} ${path}`, operation(spec, path, method)]);
  const source = {
    source: 'https://github.com/sailpoint-oss/api-specs',
    commit: COMMIT,
    spec: 'nerm/openapi.yaml (NERM API 1.0.0, servers https://{tenantName}.nonemployee.com/api)',
    note: 'Generated excerpt of the NERM operations the non-employee look-up calls: success status codes, query parameters and response schemas ($refs resolved, descriptions and examples dropped). Regenerate rather than edit.',
  };
  const lines = found.map(([key, value]) => `    ${JSON.stringify(key)}: ${JSON.stringify(value)}`);
  process.stdout.write(`{\n  "_source": ${JSON.stringify(source)},\n  "operations": {\n${lines.join(',\n')}\n  }\n}\n`);
  process.exit(0);
}

const operations = Object.fromEntries(
  OPERATIONS.map(([path, method, version]) => [`${version ?? 'v3'} ${method.toUpperCase()} ${path}`, operation(resolve(checkout, `idn/sailpoint-api.${version ?? 'v3'}.yaml`), path, method, version)]),
);
// Identity search is the only search we make: keep the identities-index document of the answer's oneOf.
const search = operations['v3 POST /search'].responses['200'];
search.items = search.items.oneOf.find((variant) => variant.properties?.email && variant.properties?.identityProfile);
const source = {
  source: 'https://github.com/sailpoint-oss/api-specs',
  commit: COMMIT,
  spec: 'idn/sailpoint-api.v3.yaml (operations with a version: that version\'s spec)',
  note: 'Generated excerpt: per operation the success status codes, user levels, filters text and the request/response schemas with $refs resolved, allOf merged, descriptions and examples dropped, nesting cut at depth 4; POST /search answers keep only the identities-index document. Regenerate rather than edit.',
};
const lines = Object.entries(operations).map(([key, value]) => `    ${JSON.stringify(key)}: ${JSON.stringify(value)}`);
process.stdout.write(`{\n  "_source": ${JSON.stringify(source)},\n  "operations": {\n${lines.join(',\n')}\n  }\n}\n`);
