// Log Analytics and Application Insights: where run history, probe latency and failures land.
param location string
param namePrefix string
param tags object

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${namePrefix}-logs'
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 90
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${namePrefix}-ai'
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    DisableLocalAuth: false
  }
}

// Run history where ops teams already look: runs per server and outcome, step timelines, probe latency and failures.
resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(resourceGroup().id, namePrefix, 'imap-remediation-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'IMAP remediation: runs and probes'
    category: 'workbook'
    sourceId: insights.id
    serializedData: string({
      version: 'Notebook/1.0'
      items: [
        {
          type: 1
          content: { json: '## IMAP remediation\nRuns by server and outcome, their steps, and what the probes measured.' }
        }
        {
          type: 3
          content: {
            version: 'KqlItem/1.0'
            title: 'Runs by server and outcome'
            query: 'customMetrics | where name == "remediation.runs" | extend outcome = tostring(customDimensions.outcome) | summarize runs = sum(valueSum) by outcome, bin(timestamp, 1h) | render columnchart'
            queryType: 0
            resourceType: 'microsoft.insights/components'
          }
        }
        {
          type: 3
          content: {
            version: 'KqlItem/1.0'
            title: 'Step timelines (one trace per run)'
            query: 'dependencies | where customDimensions has "durabletask" or name startswith "activity:" | project timestamp, operation_Id, name, duration, success | order by operation_Id, timestamp asc'
            queryType: 0
            resourceType: 'microsoft.insights/components'
          }
        }
        {
          type: 3
          content: {
            version: 'KqlItem/1.0'
            title: 'Probe latency (p50, p95) and failures'
            query: 'customMetrics | where name in ("remediation.probe.duration", "remediation.probe.failures") | extend probe = tostring(customDimensions.probe), server = tostring(customDimensions.server) | summarize p50 = percentile(valueSum / valueCount, 50), p95 = percentile(valueSum / valueCount, 95), failures = sumif(valueSum, name == "remediation.probe.failures") by probe, server, bin(timestamp, 15m) | render timechart'
            queryType: 0
            resourceType: 'microsoft.insights/components'
          }
        }
      ]
    })
  }
}

output workspaceId string = workspace.id
output insightsId string = insights.id
output insightsConnectionString string = insights.properties.ConnectionString
