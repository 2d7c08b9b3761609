using 'main.bicep'

param location = 'westeurope'

param namePrefix = 'imaprem'
param environmentName = 'prod'
param agentHost = 'imapagent.contoso.local'
param agentKeyId = 'k2026a'
param dryRun = false
