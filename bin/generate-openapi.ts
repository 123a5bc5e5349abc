/** Writes docs/openapi.json from the route table (npm run openapi). A unit test fails when it is stale. */
import { writeFileSync } from 'node:fs';
import { openApiDocument } from '../functions/http/openapi.js';
import { documentedRoutes } from '../functions/http/routes.js';

writeFileSync(new URL('../docs/openapi.json', import.meta.url), `${JSON.stringify(openApiDocument(documentedRoutes()), null, 2)}\n`);
console.log('wrote docs/openapi.json');
