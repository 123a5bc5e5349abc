/**
 * Reference for the package benchmark only: the same token + External Trigger call made with SailPoint's
 * official SDK (sailpoint-api-client, a devDependency). Never deployed.
 */
import { Configuration, WorkflowsBetaApi } from 'sailpoint-api-client';

export const handler = async (event: { tenant: string; clientId: string; clientSecret: string; workflowId: string; input: object }) => {
  const configuration = new Configuration({
    baseurl: `https://${event.tenant}.api.identitynow.com`,
    tokenUrl: `https://${event.tenant}.api.identitynow.com/oauth/token`,
    clientId: event.clientId,
    clientSecret: event.clientSecret,
  });
  const api = new WorkflowsBetaApi(configuration);
  const response = await api.postExternalExecuteWorkflow({ id: event.workflowId, postExternalExecuteWorkflowRequestBeta: { input: event.input } });
  return response.data;
};
