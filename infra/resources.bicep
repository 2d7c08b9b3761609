// IMAP health remediation: everything in the resource group main.bicep creates. Local modules only.
targetScope = 'resourceGroup'

@description('Short name used in every resource name (letters and digits).')
@minLength(3)
@maxLength(11)
param namePrefix string

@description('The azd environment name (letters, digits and hyphens): it names every resource; one containing "prod" keeps dry run off by default.')
@minLength(2)
@maxLength(12)
param environmentName string

param location string = resourceGroup().location

@description('The on-premises agent behind its Hybrid Connection (DNS name and port as the agent listens).')
param agentHost string
param agentPort int = 8443

@description('The key ID the agent knows the signing key by; the key itself is the Key Vault secret agent-signing-key.')
param agentKeyId string

@description('Exchange servers: { name, role: Mailbox|ClientAccess|Both, dag?, site?, frontEnd?: {host, port}, backEnd?: {host, port}, probeMailbox?: {user, mailboxServer?, database?} }. Each IMAP endpoint gets its own Hybrid Connection; each probe mailbox password is the Key Vault secret probe-<server>.')
param servers array

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

@description('Where the product\'s own alerts go (action group e-mail); empty: the action group has no receiver yet.')
param alertEmail string = ''

@description('Turn on the example rule that starts real runs on MSExchangeIMAP4BE errors.')
param exampleRuleEnabled bool = false

@description('Client ID of the Entra ID app registration operators sign in to (see infra/README.md); empty leaves the console closed.')
param operatorClientId string = ''

@description('Object ID of whoever runs azd: Key Vault Secrets Officer on the vault, for the postprovision hook. Empty: no grant.')
param deployerPrincipalId string = ''

var tags = { application: 'imap-remediation', environment: environmentName, 'azd-env-name': environmentName }

// The Durable task hub: letters and digits only, 3-45 characters (the Azure Storage provider's rule).
var taskHub = take('imapremediation${replace(environmentName, '-', '')}', 45)
var suffix = uniqueString(resourceGroup().id, namePrefix)

// One Hybrid Connection per distinct host:port: the agent, then every IMAP endpoint. Two servers naming one endpoint
// (a load-balanced name, a multi-role server listed twice) share its connection: a second one of the same name would
// fail the deployment.
var declaredEndpoints = concat(
  [ { host: agentHost, port: agentPort } ],
  flatten(map(servers, s => concat(
    contains(s, 'frontEnd') ? [ { host: s.frontEnd.host, port: s.frontEnd.port } ] : [],
    contains(s, 'backEnd') ? [ { host: s.backEnd.host, port: s.backEnd.port } ] : []))))
var endpointKeys = map(declaredEndpoints, e => toLower('${e.host}:${e.port}'))
var endpoints = map(filter(range(0, length(declaredEndpoints)), i => indexOf(endpointKeys, endpointKeys[i]) == i), i => declaredEndpoints[i])
var hybridConnections = map(range(0, length(endpoints)), i => {
  name: take(toLower(replace('hc-${endpoints[i].host}-${endpoints[i].port}', '.', '-')), 50)
  host: endpoints[i].host
  port: endpoints[i].port
})

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${namePrefix}-${environmentName}-id'
  location: location
  tags: tags
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: { location: location, namePrefix: '${namePrefix}-${environmentName}', tags: tags }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: { location: location, name: take('${namePrefix}${suffix}', 24), tags: tags, workspaceId: monitoring.outputs.workspaceId }
}

module serviceBus 'modules/servicebus.bicep' = {
  name: 'servicebus'
  params: { location: location, name: '${namePrefix}-${environmentName}-${suffix}', queueName: alertQueueName, workspaceId: monitoring.outputs.workspaceId, tags: tags }
}

module relay 'modules/relay.bicep' = {
  name: 'relay'
  params: { location: location, name: '${namePrefix}-${environmentName}-relay-${suffix}', connections: hybridConnections, tags: tags, workspaceId: monitoring.outputs.workspaceId }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: { location: location, name: take('${namePrefix}kv${suffix}', 24), tags: tags, workspaceId: monitoring.outputs.workspaceId }
}

module access 'modules/access.bicep' = {
  name: 'access'
  params: {
    principalId: identity.properties.principalId
    storageAccountName: storage.outputs.name
    serviceBusNamespace: serviceBus.outputs.namespaceName
    queueName: alertQueueName
    keyVaultName: keyVault.outputs.name
    deployerPrincipalId: deployerPrincipalId
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  dependsOn: [ access ]
  params: {
    location: location
    namePrefix: '${namePrefix}-${environmentName}-${suffix}'
    tags: tags
    identityId: identity.id
    identityClientId: identity.properties.clientId
    storageAccountName: storage.outputs.name
    insightsConnectionString: monitoring.outputs.insightsConnectionString
    workspaceId: monitoring.outputs.workspaceId
    serviceBusNamespace: serviceBus.outputs.namespaceName
    queueName: alertQueueName
    keyVaultName: keyVault.outputs.name
    hybridConnections: relay.outputs.connections
    relayNamespace: relay.outputs.namespaceName
    agentBaseAddress: 'https://${agentHost}:${agentPort}/'
    agentKeyId: agentKeyId
    taskHub: taskHub
    probeSchedule: probeSchedule
    pumpSchedule: pumpSchedule
    dryRun: dryRun
    escalationWebhook: escalationWebhook
    teamsWorkflow: teamsWorkflow
    imapTrustedCa: imapTrustedCa
    smtp: smtp
    servers: servers
    operatorClientId: operatorClientId
  }
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  params: {
    location: location
    namePrefix: '${namePrefix}-${environmentName}'
    tags: tags
    alertEmail: alertEmail
    exampleRuleEnabled: exampleRuleEnabled
    functionAppId: functionApp.outputs.id
    serviceBusNamespaceId: serviceBus.outputs.namespaceId
    queueName: alertQueueName
    relayNamespaceId: relay.outputs.namespaceId
    hybridConnectionNames: map(hybridConnections, c => c.name)
    insightsId: monitoring.outputs.insightsId
    workspaceId: monitoring.outputs.workspaceId
    functionAppName: functionApp.outputs.name
    functionAppHostName: functionApp.outputs.defaultHostName
  }
}

output functionAppName string = functionApp.outputs.name
output functionAppUrl string = 'https://${functionApp.outputs.defaultHostName}'
output keyVaultName string = keyVault.outputs.name
output relayNamespace string = relay.outputs.namespaceName
output hybridConnections array = hybridConnections
output taskHub string = taskHub
output alertWebhook string = 'https://${functionApp.outputs.defaultHostName}/api/alerts'
