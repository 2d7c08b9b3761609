// The Function App: Elastic Premium on Windows. Hybrid Connections (how the app reaches the agent and the IMAP
// endpoints on premises) need a Premium or Dedicated plan; Functions' Hybrid Connections are a Windows feature.
param location string
param namePrefix string
param tags object
param identityId string
param identityClientId string
param storageAccountName string
param insightsConnectionString string
param workspaceId string
param serviceBusNamespace string
param queueName string
param keyVaultName string
param hybridConnections array
param relayNamespace string
param agentBaseAddress string
param agentKeyId string
param taskHub string
param probeSchedule string
param pumpSchedule string
param dryRun bool
@description('Escalations go to the webhook in the Key Vault secret escalation-webhook-url (seeded by the postprovision hook).')
param escalationWebhook bool = false
@description('Post approval requests and escalations as Adaptive Cards to the Teams Workflows webhook in the Key Vault secret teams-workflow-url (the postprovision hook stores REMEDIATION_TEAMS_WORKFLOW_URL there).')
param teamsWorkflow bool = false
@description('Pin the IMAP endpoints\' CA: every probe trusts exactly the PEM in the Key Vault secret imap-trusted-ca (the postprovision hook stores REMEDIATION_IMAP_TRUSTED_CA_FILE there). Off: the public roots.')
param imapTrustedCa bool = false
@description('SMTP escalation: host, port, sender, recipients and user; the password is the Key Vault secret smtp-password. Empty host: no e-mail.')
param smtp object = {}
param servers array
@description('Client ID of the Entra ID app registration operators sign in to (app roles reader, approver, operator). Empty: App Service Authentication is not configured and every operator route answers 401.')
param operatorClientId string = ''

// Windows Dedicated (App Service plan, Standard S1) with Always On. Why not Elastic Premium: on Windows EP the
// deployed code lives in an Azure Files content share reached with a storage connection string
// (WEBSITE_CONTENTAZUREFILECONNECTIONSTRING; Azure Functions wiki "Elastic Premium Storage Requirements"), and this
// storage account allows no shared keys; without it, EP must run from an external package URL, which azd's zip
// deploy is not. A Dedicated plan keeps the deployed package in the site's own storage, so `azd deploy` persists;
// it needs Always On for timers and Durable to run (wiki "Enable Always On when running on dedicated App Service
// Plan"). Standard: 25 Hybrid Connections per plan (Basic has 5), deployment slots, scale out by rule.
resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: '${namePrefix}-plan'
  location: location
  tags: tags
  kind: 'app'
  sku: { name: 'S1', tier: 'Standard', capacity: 1 }
  properties: {
    reserved: false
  }
}

// Escalation channels: only when configured, and their secrets only as Key Vault references (never a parameter value).
var escalationSettings = concat(
  escalationWebhook ? [
    { name: 'Remediation__Escalation__WebhookUrl', value: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=escalation-webhook-url)' }
  ] : [],
  teamsWorkflow ? [
    { name: 'Remediation__Escalation__TeamsWorkflowUrl', value: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=teams-workflow-url)' }
    { name: 'Remediation__Escalation__ConsoleUrl', value: 'https://${namePrefix}-func.azurewebsites.net/api/dashboard' }
  ] : [],
  !empty(smtp) ? [
    { name: 'Remediation__Escalation__Smtp__Host', value: smtp.host }
    { name: 'Remediation__Escalation__Smtp__Port', value: string(smtp.?port ?? 587) }
    { name: 'Remediation__Escalation__Smtp__From', value: smtp.from }
    { name: 'Remediation__Escalation__Smtp__To__0', value: smtp.to }
    { name: 'Remediation__Escalation__Smtp__User', value: smtp.?user ?? '' }
    { name: 'Remediation__Escalation__Smtp__Password', value: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=smtp-password)' }
  ] : [])

// Every setting the app reads (src/Remediation.Functions, local.settings.sample.json), by name; secrets come from Key Vault.
var staticSettings = [
  { name: 'FUNCTIONS_EXTENSION_VERSION', value: '~4' }
  { name: 'FUNCTIONS_WORKER_RUNTIME', value: 'dotnet-isolated' }
  { name: 'AzureWebJobsStorage__accountName', value: storageAccountName }
  { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
  { name: 'AzureWebJobsStorage__clientId', value: identityClientId }
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: insightsConnectionString }
  { name: 'Remediation__TaskHub', value: taskHub }
  { name: 'Remediation__Storage__AccountName', value: storageAccountName }
  { name: 'Remediation__Storage__ManagedIdentityClientId', value: identityClientId }
  { name: 'Remediation__Storage__TablePrefix', value: 'imapremediation' }
  { name: 'Remediation__Probes__Schedule', value: probeSchedule }
  { name: 'Remediation__Probes__SelfTestSchedule', value: '*/30 * * * * *' }
  { name: 'Remediation__Probes__CountersSchedule', value: '0 */5 * * * *' }
  { name: 'Remediation__Probes__Timeout', value: '00:00:30' }
  { name: 'Remediation__Probes__MaxConcurrency', value: '16' }
  { name: 'Remediation__Monitors__ConsecutiveFailures', value: '3' }
  { name: 'Remediation__Monitors__SuccessesToRecover', value: '1' }
  { name: 'Remediation__Pump__Schedule', value: pumpSchedule }
  { name: 'Remediation__Pump__BatchSize', value: '100' }
  { name: 'Remediation__Pump__MaxWait', value: '00:00:01' }
  { name: 'Remediation__Recovery__DryRun', value: string(dryRun) }
  { name: 'Remediation__ServiceBus__FullyQualifiedNamespace', value: '${serviceBusNamespace}.servicebus.windows.net' }
  { name: 'Remediation__ServiceBus__ManagedIdentityClientId', value: identityClientId }
  { name: 'Remediation__ServiceBus__QueueName', value: queueName }
  { name: 'Remediation__Agent__BaseAddress', value: agentBaseAddress }
  { name: 'Remediation__Agent__KeyId', value: agentKeyId }
  { name: 'Remediation__Agent__Key', value: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=agent-signing-key)' }
  // The agent's TLS certificate, pinned: the app trusts exactly it (its internal CA cannot be trusted on App Service).
  { name: 'Remediation__Agent__CertificateThumbprints__0', value: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=agent-certificate-thumbprint)' }
]

// Easy Auth's client secret for the operators' sign-in: with it the platform uses the authorization-code flow (without
// one it falls back to the implicit flow, which the documented app registration does not enable). A Key Vault
// reference: the postprovision hook stores REMEDIATION_OPERATOR_CLIENT_SECRET as operator-client-secret.
var authSettings = empty(operatorClientId) ? [] : [
  { name: 'MICROSOFT_PROVIDER_AUTHENTICATION_SECRET', value: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=operator-client-secret)' }
]

// The topology: one group of settings per server; probe mailbox passwords are Key Vault references, and so is the
// IMAP CA when pinned (App Service cannot add an internal CA to the machine store).
var imapCa = '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=imap-trusted-ca)'
var serverSettings = flatten(map(range(0, length(servers)), i => concat(
  [
    { name: 'Remediation__Topology__Servers__${i}__Name', value: servers[i].name }
    { name: 'Remediation__Topology__Servers__${i}__Role', value: servers[i].role }
    { name: 'Remediation__Topology__Servers__${i}__Dag', value: servers[i].?dag ?? '' }
    { name: 'Remediation__Topology__Servers__${i}__Site', value: servers[i].?site ?? '' }
  ],
  contains(servers[i], 'frontEnd') ? [
    { name: 'Remediation__Topology__Servers__${i}__FrontEnd__Host', value: servers[i].frontEnd.host }
    { name: 'Remediation__Topology__Servers__${i}__FrontEnd__Port', value: string(servers[i].frontEnd.port) }
  ] : [],
  contains(servers[i], 'frontEnd') && imapTrustedCa ? [
    { name: 'Remediation__Topology__Servers__${i}__FrontEnd__TrustedCa', value: imapCa }
  ] : [],
  contains(servers[i], 'backEnd') ? [
    { name: 'Remediation__Topology__Servers__${i}__BackEnd__Host', value: servers[i].backEnd.host }
    { name: 'Remediation__Topology__Servers__${i}__BackEnd__Port', value: string(servers[i].backEnd.port) }
  ] : [],
  contains(servers[i], 'backEnd') && imapTrustedCa ? [
    { name: 'Remediation__Topology__Servers__${i}__BackEnd__TrustedCa', value: imapCa }
  ] : [],
  contains(servers[i], 'probeMailbox') ? [
    { name: 'Remediation__Topology__Servers__${i}__ProbeMailbox__User', value: servers[i].probeMailbox.user }
    { name: 'Remediation__Topology__Servers__${i}__ProbeMailbox__Password', value: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=probe-${toLower(servers[i].name)})' }
  ] : [],
  contains(servers[i], 'probeMailbox') && contains(servers[i].probeMailbox, 'mailboxServer') ? [
    { name: 'Remediation__Topology__Servers__${i}__ProbeMailbox__MailboxServer', value: servers[i].probeMailbox.mailboxServer }
  ] : [],
  contains(servers[i], 'probeMailbox') && contains(servers[i].probeMailbox, 'database') ? [
    { name: 'Remediation__Topology__Servers__${i}__ProbeMailbox__Database', value: servers[i].probeMailbox.database }
  ] : []
)))

resource site 'Microsoft.Web/sites@2023-12-01' = {
  name: '${namePrefix}-func'
  location: location
  tags: union(tags, { 'azd-service-name': 'functions' })
  kind: 'functionapp'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      alwaysOn: true
      netFrameworkVersion: 'v10.0'
      use32BitWorkerProcess: false
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      // Instances that stop answering are taken out of rotation and replaced (the anonymous Liveness function).
      healthCheckPath: '/api/healthz'
      appSettings: concat(staticSettings, serverSettings, escalationSettings, authSettings)
    }
  }
}

resource bindings 'Microsoft.Web/sites/hybridConnectionNamespaces/relays@2023-12-01' = [for c in hybridConnections: {
  name: '${site.name}/${relayNamespace}/${c.name}'
  properties: {
    serviceBusNamespace: relayNamespace
    relayName: c.name
    relayArmUri: resourceId('Microsoft.Relay/namespaces/hybridConnections', relayNamespace, c.name)
    hostname: c.host
    port: c.port
    sendKeyName: 'defaultSender'
    sendKeyValue: listKeys(c.ruleId, '2021-11-01').primaryKey
    serviceBusSuffix: '.servicebus.windows.net'
  }
}]

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: site
  properties: {
    workspaceId: workspaceId
    logs: [ { category: 'FunctionAppLogs', enabled: true } ]
    metrics: [ { category: 'AllMetrics', enabled: true } ]
  }
}

output id string = site.id
output name string = site.name
output defaultHostName string = site.properties.defaultHostName

// Operators sign in with Entra ID in front of every function (App Service Authentication); the platform strips any
// client-sent X-MS-CLIENT-PRINCIPAL and injects the validated one, which the engine reads and checks for the app role
// each route needs. Machines keep their own way in: the alert webhook (function key; Azure Monitor's action group) and
// the health check. Unauthenticated browsers are sent to sign in; API clients send an Entra token for api://<client id>.
resource auth 'Microsoft.Web/sites/config@2023-12-01' = if (!empty(operatorClientId)) {
  parent: site
  name: 'authsettingsV2'
  properties: {
    platform: { enabled: true }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'RedirectToLoginPage'
      redirectToProvider: 'azureactivedirectory'
      excludedPaths: [ '/api/alerts', '/api/healthz' ]
    }
    httpSettings: { requireHttps: true }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
          clientId: operatorClientId
          clientSecretSettingName: 'MICROSOFT_PROVIDER_AUTHENTICATION_SECRET'
        }
        validation: { allowedAudiences: [ 'api://${operatorClientId}', operatorClientId ] }
      }
    }
    login: { tokenStore: { enabled: false } }
  }
}
