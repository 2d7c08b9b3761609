using 'main.bicep'

param namePrefix = 'imaprem'
param environmentName = 'prod'
param agentHost = 'imapagent.contoso.local'
param agentKeyId = 'k2026a'
param dryRun = false
param escalationWebhookUrl = 'https://contoso.webhook.office.com/webhookb2/imap-remediation'
param servers = [
  { name: 'EXMBX01', role: 'Mailbox', dag: 'DAG1', site: 'Paris', backEnd: { host: 'exmbx01.contoso.local', port: 1993 }, probeMailbox: { user: 'probe-exmbx01@contoso.com' } }
  { name: 'EXMBX02', role: 'Mailbox', dag: 'DAG1', site: 'Paris', backEnd: { host: 'exmbx02.contoso.local', port: 1993 }, probeMailbox: { user: 'probe-exmbx02@contoso.com' } }
  { name: 'EXCAS01', role: 'ClientAccess', site: 'Paris', frontEnd: { host: 'excas01.contoso.local', port: 993 }, probeMailbox: { user: 'probe-exmbx01@contoso.com' } }
  { name: 'EXCAS02', role: 'ClientAccess', site: 'Paris', frontEnd: { host: 'excas02.contoso.local', port: 993 }, probeMailbox: { user: 'probe-exmbx02@contoso.com' } }
]
