// Azure Relay Hybrid Connections: one for the on-premises agent, one per IMAP endpoint. The app gets a send-only key;
// the Hybrid Connection Manager on premises uses the listen key (restrict listKeys: whoever holds it can attach).
param location string
param name string
param connections array
param tags object

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

resource send 'Microsoft.Relay/namespaces/hybridConnections/authorizationRules@2021-11-01' = [for (c, i) in connections: {
  parent: hybrid[i]
  name: 'defaultSender'
  properties: { rights: [ 'Send' ] }
}]

output namespaceId string = namespace.id
output namespaceName string = namespace.name
output connections array = [for (c, i) in connections: {
  name: c.name
  host: c.host
  port: c.port
  ruleId: send[i].id
}]
