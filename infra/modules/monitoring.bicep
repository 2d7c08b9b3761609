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
            title: 'Runs by server: how many, how they ended, time to recover (MTTR)'
            query: 'traces | where tostring(customDimensions.RunEvent) == "RunClosed" | extend Server = tostring(customDimensions.Server), Outcome = tostring(customDimensions.Outcome), DurationMs = todouble(customDimensions.DurationMs) | summarize runs = count(), recovered = countif(Outcome == "Recovered"), escalated = countif(Outcome in ("Escalated", "Failed", "Rejected", "Throttled")), mttrMinutes = round(avgif(DurationMs, Outcome == "Recovered") / 60000, 1) by Server | order by runs desc'
            queryType: 0
            resourceType: 'microsoft.insights/components'
          }
        }
        {
          type: 3
          content: {
            version: 'KqlItem/1.0'
            title: 'Step timeline of the latest runs (waits and approvals with their durations)'
            query: 'traces | where tostring(customDimensions.RunEvent) in ("RunOpened", "RunStep", "RunClosed") | extend RunId = tostring(customDimensions.RunId), RunEvent = tostring(customDimensions.RunEvent), Server = tostring(customDimensions.Server), Monitor = tostring(customDimensions.Monitor), Sequence = toint(customDimensions.Sequence), Step = tostring(customDimensions.Step), Operation = tostring(customDimensions.Operation), Outcome = tostring(customDimensions.Outcome), DurationMs = todouble(customDimensions.DurationMs), Answer = tostring(customDimensions.Answer), Reason = tostring(customDimensions.Reason) | order by timestamp desc | take 500 | order by RunId asc, timestamp asc | project timestamp, RunId, Server, Monitor, RunEvent, Sequence, Step, Operation, Outcome, DurationMs, Answer, Reason'
            queryType: 0
            resourceType: 'microsoft.insights/components'
          }
        }
        {
          type: 3
          content: {
            version: 'KqlItem/1.0'
            title: 'Probe latency (p50, p95) and failures'
            // Latency from the duration histogram only (failure counts are not latencies); failures beside it.
            query: 'let durations = customMetrics | where name == "remediation.probe.duration" | extend probe = tostring(customDimensions.probe), server = tostring(customDimensions.server) | summarize p50 = percentile(valueSum / valueCount, 50), p95 = percentile(valueSum / valueCount, 95) by probe, server, timestamp = bin(timestamp, 15m); let failures = customMetrics | where name == "remediation.probe.failures" | extend probe = tostring(customDimensions.probe), server = tostring(customDimensions.server) | summarize failures = sum(valueSum) by probe, server, timestamp = bin(timestamp, 15m); durations | join kind=leftouter failures on probe, server, timestamp | project timestamp, probe, server, p50, p95, failures = coalesce(failures, 0.0) | render timechart'
            queryType: 0
            resourceType: 'microsoft.insights/components'
          }
        }
        {
          type: 3
          content: {
            version: 'KqlItem/1.0'
            title: 'Probe availability per server and probe (availability results, worst first)'
            query: 'availabilityResults | extend Server = tostring(customDimensions.Server), HealthSet = tostring(customDimensions.HealthSet), FailedPhase = tostring(customDimensions.FailedPhase) | summarize availability = round(100.0 * countif(success == true) / count(), 2), p95ms = percentile(duration, 95), failures = countif(success == false), lastFailedPhase = take_anyif(FailedPhase, success == false) by Server, HealthSet, name | order by availability asc'
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
