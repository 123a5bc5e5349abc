/**
 * The simulator's workflow library (GET /v3/workflow-library/actions): the actions the importable workflow uses,
 * with the form fields public sources show for them (docs/isc-setup.md lists each source and how sure it is).
 * It is what we believe a tenant lists, not SailPoint's word: `usage-cert workflow verify` asks the real tenant.
 */
export interface SimulatedLibraryAction {
  id: string;
  name: string;
  type: 'ACTION';
  description: string;
  formFields: { name: string; label: string; type: string; required: boolean }[];
  versionNumber: number;
}

const field = (name: string, type: string, required = false) => ({ name, label: name, type, required });

export const DEFAULT_WORKFLOW_LIBRARY: SimulatedLibraryAction[] = [
  {
    id: 'sp:create-campaign',
    name: 'Create Certification Campaign',
    type: 'ACTION',
    description: 'Generates a certification campaign.',
    versionNumber: 2,
    formFields: [
      field('name', 'text', true),
      field('description', 'textarea'),
      field('duration', 'duration'),
      field('type', 'select', true),
      field('reviewerId', 'identityPicker'),
      field('reviewerCertificationType', 'select'),
      field('reviewerIdentitiesToCertify', 'identityPicker'),
      field('reviewerAccessItemType', 'select'),
      field('reviewerAccessOperator', 'select'),
      field('reviewerAccessConstraintIds', 'jsonpath'),
      field('undecidedAccess', 'boolean'),
      field('activateUponCreation', 'boolean'),
      field('emailNotificationEnabled', 'boolean'),
    ],
  },
  {
    id: 'sp:http',
    name: 'HTTP Request',
    type: 'ACTION',
    description: 'Sends an HTTP request.',
    versionNumber: 2,
    formFields: [
      field('method', 'select', true),
      field('url', 'url', true),
      field('urlParams', 'keyValuePairs'),
      field('headers', 'keyValuePairs'),
      field('requestContentType', 'select'),
      field('jsonRequestBody', 'json'),
      field('authenticationType', 'select'),
      field('oAuthClientId', 'text'),
      field('oAuthClientSecret', 'secret'),
      field('oAuthCredentialLocation', 'select'),
      field('oAuthTokenUrl', 'url'),
      field('oAuthScope', 'text'),
    ],
  },
  {
    id: 'sp:send-email',
    name: 'Send Email',
    type: 'ACTION',
    description: 'Sends an email.',
    versionNumber: 2,
    formFields: [field('recipientEmailList', 'emailPicker', true), field('subject', 'text', true), field('body', 'htmlEditor', true), field('context', 'variableCreator'), field('replyTo', 'email')],
  },
];
