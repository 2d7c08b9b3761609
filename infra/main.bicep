// IMAP health remediation, deployed from nothing with `azd up`: the resource group, then everything in it
// (resources.bicep). azd passes the environment name and location (main.parameters.json).
targetScope = 'subscription'

@description('The azd environment name (AZURE_ENV_NAME): names the resource group and every resource; one containing "prod" keeps dry run off.')
@minLength(2)
@maxLength(12)
param environmentName string

@description('Azure region (AZURE_LOCATION).')
param location string

@description('Short name used in every resource name (letters and digits).')
@minLength(3)
@maxLength(11)
param namePrefix string = 'imaprem'

@description('The on-premises agent behind its Hybrid Connection (DNS name and port as the agent listens).')
param agentHost string
param agentPort int = 8443

@description('The key ID the agent knows the signing key by; the key itself is the Key Vault secret agent-signing-key.')
param agentKeyId string = 'k1'

@description('Exchange servers (see resources.bicep); by default infra/topology.json, the file an operator edits.')
param servers array = loadJsonContent('topology.json')

param alertQueueName string = 'imap-alerts'
param probeSchedule string = '0 */1 * * * *'
param pumpSchedule string = '*/10 * * * * *'
param dryRun bool = !contains(toLower(environmentName), 'prod')
@description('Send escalations to the webhook in the Key Vault secret escalation-webhook-url (the postprovision hook stores REMEDIATION_ESCALATION_WEBHOOK_URL there).')
param escalationWebhook bool = false
@description('Post approval requests and escalations as Adaptive Cards to the Teams Workflows webhook in the Key Vault secret teams-workflow-url (the postprovision hook stores REMEDIATION_TEAMS_WORKFLOW_URL there).')
param teamsWorkflow bool = false
@description('Pin the IMAP endpoints\' CA: every probe trusts exactly the PEM in the Key Vault secret imap-trusted-ca (the postprovision hook stores REMEDIATION_IMAP_TRUSTED_CA_FILE there). Off: the public roots.')
param imapTrustedCa bool = false

@description('SMTP escalation {host, port, from, to, user}; the password is the Key Vault secret smtp-password.')
param smtp object = {}

@description('Where the product\'s own alerts go (REMEDIATION_ALERT_EMAIL).')
param alertEmail string = ''

@description('Turn on the example Azure Monitor rule that starts real runs on MSExchangeIMAP4BE errors (REMEDIATION_EXAMPLE_RULE).')
param exampleRuleEnabled bool = false

@description('Client ID of the Entra ID app registration operators sign in to (see infra/README.md); empty leaves the console closed.')
param operatorClientId string = ''

@description('Object ID of whoever runs azd (AZURE_PRINCIPAL_ID, set by azd): granted Key Vault Secrets Officer on the vault so the postprovision hook can store secrets (a vault with RBAC grants Owner nothing on its data plane). Empty: no grant.')
param deployerPrincipalId string = ''

resource group 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${namePrefix}-${environmentName}'
  location: location
  tags: { application: 'imap-remediation', 'azd-env-name': environmentName }
}

module resources 'resources.bicep' = {
  name: 'imap-remediation'
  scope: group
  params: {
    namePrefix: namePrefix
    environmentName: environmentName
    location: location
    agentHost: agentHost
    agentPort: agentPort
    agentKeyId: agentKeyId
    servers: servers
    alertQueueName: alertQueueName
    probeSchedule: probeSchedule
    pumpSchedule: pumpSchedule
    dryRun: dryRun
    escalationWebhook: escalationWebhook
    teamsWorkflow: teamsWorkflow
    imapTrustedCa: imapTrustedCa
    smtp: smtp
    alertEmail: alertEmail
    exampleRuleEnabled: exampleRuleEnabled
    operatorClientId: operatorClientId
    deployerPrincipalId: deployerPrincipalId
  }
}

// azd keeps these in the environment (.azure/<env>/.env) for hooks and the next steps.
output AZURE_RESOURCE_GROUP string = group.name
output AZURE_FUNCTION_APP_NAME string = resources.outputs.functionAppName
output AZURE_FUNCTION_APP_URL string = resources.outputs.functionAppUrl
output AZURE_KEY_VAULT_NAME string = resources.outputs.keyVaultName
output REMEDIATION_RELAY_NAMESPACE string = resources.outputs.relayNamespace
output REMEDIATION_HYBRID_CONNECTIONS array = resources.outputs.hybridConnections
output REMEDIATION_TASK_HUB string = resources.outputs.taskHub
output REMEDIATION_ALERT_WEBHOOK string = resources.outputs.alertWebhook
