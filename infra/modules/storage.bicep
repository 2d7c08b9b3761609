// The Function App's storage: the Durable task hub (queues, tables, blobs). Reached with the managed identity only.
param location string
param name string
param tags object
param workspaceId string

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  sku: { name: 'Standard_LRS' }
  kind: 'StorageV2'
  properties: {
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    publicNetworkAccess: 'Enabled'
  }
}

// Writes and deletes of the task hub and the ledger (tables, queues, blobs) land in Log Analytics; reads do not: the
// Durable provider polls its queues and renews leases all day (StorageRead would be millions of records a day at 200
// servers, docs/benchmarks.md and infra/README.md's cost table), and what changed is what an investigation needs.
resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' existing = {
  parent: account
  name: 'default'
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' existing = {
  parent: account
  name: 'default'
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' existing = {
  parent: account
  name: 'default'
}

resource tableDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: tableService
  properties: { workspaceId: workspaceId, logs: [ { category: 'StorageWrite', enabled: true }, { category: 'StorageDelete', enabled: true } ], metrics: [ { category: 'Transaction', enabled: true } ] }
}

resource queueDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: queueService
  properties: { workspaceId: workspaceId, logs: [ { category: 'StorageWrite', enabled: true }, { category: 'StorageDelete', enabled: true } ], metrics: [ { category: 'Transaction', enabled: true } ] }
}

resource blobDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: blobService
  properties: { workspaceId: workspaceId, logs: [ { category: 'StorageWrite', enabled: true }, { category: 'StorageDelete', enabled: true } ], metrics: [ { category: 'Transaction', enabled: true } ] }
}

output id string = account.id
output name string = account.name
