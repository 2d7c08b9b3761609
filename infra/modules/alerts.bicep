// The product's own health, as alert rules into one action group: host down, function failures, dead-lettered alerts,
// a Hybrid Connection with no listener (the agent or an IMAP endpoint unreachable), escalated runs, probe failures.
param namePrefix string
param tags object
param alertEmail string
param functionAppId string
param serviceBusNamespaceId string
param queueName string
param relayNamespaceId string
param hybridConnectionNames array
param insightsId string
param location string
param workspaceId string
param functionAppName string
param functionAppHostName string

@description('Turn the example rule on (MSExchangeIMAP4BE errors start real runs): off until the Exchange servers\' Application logs reach the workspace and the rule has been read.')
param exampleRuleEnabled bool = false

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: '${namePrefix}-ops'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: take(replace(namePrefix, '-', ''), 12)
    enabled: true
    emailReceivers: empty(alertEmail) ? [] : [ { name: 'ops', emailAddress: alertEmail, useCommonAlertSchema: true } ]
  }
}

var actions = [ { actionGroupId: actionGroup.id } ]

// Metric alerts: one criterion each, evaluated every minute over five.
var metricAlerts = [
  { name: 'host-unhealthy', description: 'The Function App fails its health check (/api/healthz): the host is down on an instance.', scope: functionAppId, metric: 'HealthCheckStatus', namespace: 'Microsoft.Web/sites', aggregation: 'Average', operator: 'LessThan', threshold: 100, dimensions: [], severity: 1 }
  { name: 'function-errors', description: 'The Function App answers 5xx (functions failing).', scope: functionAppId, metric: 'Http5xx', namespace: 'Microsoft.Web/sites', aggregation: 'Total', operator: 'GreaterThan', threshold: 0, dimensions: [], severity: 2 }
  { name: 'alerts-dead-lettered', description: 'Alerts were dead-lettered: they will never start a run.', scope: serviceBusNamespaceId, metric: 'DeadletteredMessages', namespace: 'Microsoft.ServiceBus/namespaces', aggregation: 'Maximum', operator: 'GreaterThan', threshold: 0, dimensions: [ { name: 'EntityName', operator: 'Include', values: [ queueName ] } ], severity: 1 }
  // ActiveListeners offers Total only (learn.microsoft.com, "Supported metrics for Microsoft.Relay/namespaces": Count,
  // Total, EntityName, PT1M): over the 5-minute window the five one-minute samples add up, so 0 is "no listener the
  // whole time" and at most 5 is "one listener, where two Hybrid Connection Managers should listen".
  { name: 'hybrid-connection-offline', description: 'A Hybrid Connection has had no listener for 5 minutes: the Hybrid Connection Manager (or the agent or IMAP endpoint behind it) is unreachable.', scope: relayNamespaceId, metric: 'ActiveListeners', namespace: 'Microsoft.Relay/namespaces', aggregation: 'Total', operator: 'LessThan', threshold: 1, dimensions: [ { name: 'EntityName', operator: 'Include', values: hybridConnectionNames } ], severity: 1 }
  { name: 'hybrid-connection-one-listener', description: 'A Hybrid Connection has had one listener (not two) for 5 minutes: one of the two Hybrid Connection Managers is lost; the next loss takes the connection down.', scope: relayNamespaceId, metric: 'ActiveListeners', namespace: 'Microsoft.Relay/namespaces', aggregation: 'Total', operator: 'LessThanOrEqual', threshold: 5, dimensions: [ { name: 'EntityName', operator: 'Include', values: hybridConnectionNames } ], severity: 3 }
]

resource metricRules 'Microsoft.Insights/metricAlerts@2018-03-01' = [for a in metricAlerts: {
  name: '${namePrefix}-${a.name}'
  location: 'global'
  tags: tags
  properties: {
    description: a.description
    severity: a.severity
    enabled: true
    scopes: [ a.scope ]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [ {
        criterionType: 'StaticThresholdCriterion'
        name: a.name
        metricName: a.metric
        metricNamespace: a.namespace
        timeAggregation: a.aggregation
        operator: a.operator
        threshold: a.threshold
        dimensions: a.dimensions
      } ]
    }
    actions: actions
  }
}]

// Log alerts on what the engine emits (meter "Remediation", exported to Application Insights as customMetrics).
var logAlerts = [
  { name: 'runs-escalated', description: 'A remediation run ended Escalated, Failed, Throttled or Rejected: a human takes over.', query: 'customMetrics | where name == "remediation.runs" | where tostring(customDimensions.outcome) in ("Escalated", "Failed", "Throttled", "Rejected") | summarize runs = sum(valueSum) | where runs > 0', severity: 2 }
  { name: 'probes-failing', description: 'IMAP probes fail on a server (probe availability below what the monitors tolerate).', query: 'customMetrics | where name == "remediation.probe.failures" | summarize failures = sum(valueSum) by server = tostring(customDimensions.server) | where failures >= 3', severity: 3 }
]

resource logRules 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = [for a in logAlerts: {
  name: '${namePrefix}-${a.name}'
  location: location
  tags: tags
  properties: {
    description: a.description
    severity: a.severity
    enabled: true
    scopes: [ insightsId ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [ {
        query: a.query
        timeAggregation: 'Count'
        operator: 'GreaterThan'
        threshold: 0
        failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
      } ]
    }
    actions: { actionGroups: [ actionGroup.id ] }
  }
}]

// The mission's "alert webhooks that start orchestrations", as code: an action group that calls the Alerts function
// (Azure Monitor fetches the function key itself) with the common alert schema, and an example rule feeding it. The
// rule watches the IMAP4 back-end service's errors in the Exchange servers' Application logs (collected into the
// workspace by the Azure Monitor Agent); one alert per server (the Computer dimension becomes configurationItems,
// which the webhook maps to the topology's server), the health set as a custom property. Copy it for your own signals.
resource remediate 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: '${namePrefix}-remediate'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: take('rem${replace(namePrefix, '-', '')}', 12)
    enabled: true
    azureFunctionReceivers: [ {
      name: 'alerts-function'
      functionAppResourceId: functionAppId
      functionName: 'Alerts'
      httpTriggerUrl: 'https://${functionAppHostName}/api/alerts'
      useCommonAlertSchema: true
    } ]
  }
}

resource exampleImapErrors 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: '${namePrefix}-example-imap4be-errors'
  location: location
  tags: tags
  properties: {
    description: 'Example: MSExchangeIMAP4BE logs errors on an Exchange server: start the IMAP.Protocol runbook on it (${functionAppName}).'
    severity: 2
    enabled: exampleRuleEnabled
    // The Event table exists only once the Azure Monitor Agent has sent Windows events: validating the query before
    // that would fail the deployment.
    skipQueryValidation: true
    scopes: [ workspaceId ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [ {
        query: 'Event | where EventLog == "Application" and Source == "MSExchangeIMAP4BE" and EventLevelName == "Error" | summarize errors = count() by Computer'
        timeAggregation: 'Total'
        metricMeasureColumn: 'errors'
        dimensions: [ { name: 'Computer', operator: 'Include', values: [ '*' ] } ]
        operator: 'GreaterThanOrEqual'
        threshold: 3
        failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
      } ]
    }
    actions: {
      actionGroups: [ remediate.id ]
      customProperties: { healthSet: 'IMAP.Protocol' }
    }
  }
}

output actionGroupId string = actionGroup.id
output remediateActionGroupId string = remediate.id
