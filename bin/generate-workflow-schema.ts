/**
 * Writes workflows/workflow-input.schema.json: the JSON Schema of the trigger input the ISC workflow reads as
 * `$.trigger.input` (the dispatcher posts `{"input": WorkflowInput}`), generated from the zod contract.
 * Run `npx tsx bin/generate-workflow-schema.ts`; test/unit/workflows/workflow-definition.test.ts fails when it is stale.
 */
import { writeFileSync } from 'node:fs';
import * as z from 'zod/mini';
import { WorkflowInputSchema } from '../functions/core/workflow-input.js';

writeFileSync(new URL('../workflows/workflow-input.schema.json', import.meta.url), `${JSON.stringify(z.toJSONSchema(WorkflowInputSchema), null, 2)}\n`);
console.log('wrote workflows/workflow-input.schema.json');
