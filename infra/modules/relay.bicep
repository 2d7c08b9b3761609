// Azure Relay Hybrid Connections: one for the on-premises agent, one per IMAP endpoint. Each has its own two rules:
// send-only for the app, listen-only for the Hybrid Connection Manager(s) on premises (add the connection in the HCM
// with that rule's connection string; two HCMs on two machines with the same rule give high availability). Nobody
// needs the namespace's root key, which could both listen and send on every connection.
param location string
param name string
@description('One Hybrid Connection per endpoint. A Standard (S1) App Service plan binds at most 25 Hybrid Connections: more fails here, before anything is created, instead of at the binding.')
@maxLength(25)
param connections array
param tags object
param workspaceId string

resource namespace 'Microsoft.Relay/namespaces@2021-11-01' = {
  name: name
  location: location
  tags: tags
  sku: { name: 'Standard', tier: 'Standard' }
}

resource hybrid 'Microsoft.Relay/namespaces/hybridConnections@2021-11-01' = [for c in connections: {
  parent: namespace
  name: c.name
  properties: {
    requiresClientAuthorization: true
    // App Service reads the endpoint from this metadata.
    userMetadata: string([{ key: 'endpoint', value: '${c.host}:${c.port}' }])
  }
}]

// Relay refuses concurrent rule operations on one entity (like Service Bus): one rule at a time, listen rules after
// every send rule.
@batchSize(1)
resource send 'Microsoft.Relay/namespaces/hybridConnections/authorizationRules@2021-11-01' = [for (c, i) in connections: {
  parent: hybrid[i]
  name: 'defaultSender'
  properties: { rights: [ 'Send' ] }
}]

@batchSize(1)
resource listen 'Microsoft.Relay/namespaces/hybridConnections/authorizationRules@2021-11-01' = [for (c, i) in connections: {
  parent: hybrid[i]
  name: 'hcmListener'
  properties: { rights: [ 'Listen' ] }
  dependsOn: [ send ]
}]

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: namespace
  properties: {
    workspaceId: workspaceId
    logs: [ { categoryGroup: 'allLogs', enabled: true } ]
    metrics: [ { category: 'AllMetrics', enabled: true } ]
  }
}

output namespaceId string = namespace.id
output namespaceName string = namespace.name
output connections array = [for (c, i) in connections: {
  name: c.name
  host: c.host
  port: c.port
  ruleId: send[i].id
  listenRuleId: listen[i].id
}]
