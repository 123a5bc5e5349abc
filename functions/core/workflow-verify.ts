/**
 * `workflow verify`: the attributes each action step of the importable workflow sets, against the form fields
 * the tenant's own workflow library lists for that action (GET /v3/workflow-library/actions). This settles the
 * partly documented sp:create-campaign attribute names on the admin's tenant before anything runs.
 */

/** The part of a v3 WorkflowLibraryAction this check reads. */
export interface LibraryAction {
  id: string;
  formFields: { name: string; required?: boolean }[];
}

export interface WorkflowDefinition {
  definition: { steps: Record<string, { type?: string; actionId?: string; attributes?: Record<string, unknown> | null }> };
}

export interface VerifyFinding {
  step: string;
  actionId: string;
  kind: 'unknown_action' | 'unknown_attribute' | 'missing_required';
  attribute?: string;
  /** The tenant's field the workflow's attribute most likely was renamed to. */
  suggestion?: string;
  message: string;
}

/** The action ids the workflow's action steps use, each once. */
export function workflowActionIds(workflow: WorkflowDefinition): string[] {
  return [...new Set(Object.values(workflow.definition.steps).flatMap((step) => (step.type === 'action' && step.actionId ? [step.actionId] : [])))].sort();
}

export function verifyWorkflow(workflow: WorkflowDefinition, library: readonly LibraryAction[]): VerifyFinding[] {
  const actions = new Map(library.map((action) => [action.id, action]));
  const findings: VerifyFinding[] = [];
  for (const [step, { type, actionId, attributes }] of Object.entries(workflow.definition.steps).sort(([a], [b]) => a.localeCompare(b))) {
    if (type !== 'action' || !actionId) continue;
    const action = actions.get(actionId);
    if (!action) {
      findings.push({ step, actionId, kind: 'unknown_action', message: `Step "${step}" uses action ${actionId}, which your tenant's workflow library does not list.` });
      continue;
    }
    const fields = new Map(action.formFields.map((field) => [fieldName(field.name), field]));
    const set = new Set(Object.keys(attributes ?? {}).map(fieldName));
    for (const attribute of [...set].sort()) {
      if (fields.has(attribute)) continue;
      const suggestion = closest(attribute, [...fields.keys()].filter((name) => !set.has(name)));
      findings.push({
        step,
        actionId,
        kind: 'unknown_attribute',
        attribute,
        ...(suggestion ? { suggestion } : {}),
        message: `Step "${step}" sets "${attribute}", which ${actionId} does not have in your tenant${suggestion ? `; it has "${suggestion}", probably the same setting renamed` : ''}.`,
      });
    }
    for (const [name, field] of fields) {
      if (field.required && !set.has(name)) {
        findings.push({ step, actionId, kind: 'missing_required', attribute: name, message: `Step "${step}" does not set "${name}", which ${actionId} requires in your tenant.` });
      }
    }
  }
  return findings;
}

/** `reviewerId.$` (a JSONPath-valued attribute) and `reviewerId` name the same form field. */
function fieldName(name: string): string {
  return name.endsWith('.$') ? name.slice(0, -2) : name;
}

/** The candidate most like `name` (one contains the other, or few edits apart), if any is close enough. */
function closest(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const other = candidate.toLowerCase();
    const distance = lower.includes(other) || other.includes(lower) ? 0 : editDistance(lower, other);
    if (distance <= Math.max(2, Math.floor(Math.min(lower.length, other.length) / 3)) && (!best || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}
