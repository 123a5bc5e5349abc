/**
 * npm start: the whole pipeline on this machine — embedded DynamoDB, webhook + admin API, dispatcher, and
 * (unless ISC_SIMULATOR=off) an ISC simulator standing in for a SailPoint tenant.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { main } = await import('../functions/local/main.js');
await main();
export {};
