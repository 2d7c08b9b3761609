#!/usr/bin/env bash
# azd postprovision: what the template cannot do, after every `azd provision` / `azd up`. Idempotent.
#   1. the agent's signing key: generated once (32 random bytes) into Key Vault, never printed;
#   2. secrets you hand in through the azd environment, stored in Key Vault (the template holds references only):
#      REMEDIATION_ESCALATION_WEBHOOK_URL -> escalation-webhook-url, REMEDIATION_SMTP_PASSWORD -> smtp-password,
#      REMEDIATION_TEAMS_WORKFLOW_URL -> teams-workflow-url,
#      REMEDIATION_AGENT_CERT_THUMBPRINT -> agent-certificate-thumbprint, the PEM file REMEDIATION_IMAP_TRUSTED_CA_FILE ->
#      imap-trusted-ca (with REMEDIATION_IMAP_TRUSTED_CA=true the probes trust exactly that CA);
#   3. restarts the Function App, so Key Vault references set after it started resolve (the app keeps the literal
#      reference string until then);
#   4. prints the on-premises steps.
# Values from azd: AZURE_KEY_VAULT_NAME, AZURE_FUNCTION_APP_NAME, AZURE_RESOURCE_GROUP, REMEDIATION_RELAY_NAMESPACE,
# REMEDIATION_HYBRID_CONNECTIONS (outputs of infra/main.bicep).
set -euo pipefail
vault="${AZURE_KEY_VAULT_NAME:?AZURE_KEY_VAULT_NAME is not set: run through azd (postprovision hook)}"
app="${AZURE_FUNCTION_APP_NAME:?AZURE_FUNCTION_APP_NAME is not set}"
group="${AZURE_RESOURCE_GROUP:?AZURE_RESOURCE_GROUP is not set}"

# A secret's value goes through a private temporary file, never the command line (visible in the process list).
put_secret() {
  local name="$1" value="$2" file
  file="$(umask 077; mktemp)"
  printf '%s' "$value" > "$file"
  az keyvault secret set --vault-name "$vault" --name "$name" --file "$file" --encoding utf-8 --output none
  rm -f "$file"
  echo "postprovision: stored Key Vault secret $name" >&2
}

if az keyvault secret show --vault-name "$vault" --name agent-signing-key --query id --output tsv >/dev/null 2>&1; then
  echo "postprovision: agent-signing-key exists; kept (rotate: docs/agent.md)" >&2
else
  put_secret agent-signing-key "$(openssl rand -base64 32)"
fi

[ -z "${REMEDIATION_ESCALATION_WEBHOOK_URL:-}" ] || put_secret escalation-webhook-url "$REMEDIATION_ESCALATION_WEBHOOK_URL"
[ -z "${REMEDIATION_SMTP_PASSWORD:-}" ] || put_secret smtp-password "$REMEDIATION_SMTP_PASSWORD"
[ -z "${REMEDIATION_TEAMS_WORKFLOW_URL:-}" ] || put_secret teams-workflow-url "$REMEDIATION_TEAMS_WORKFLOW_URL"
[ -z "${REMEDIATION_AGENT_CERT_THUMBPRINT:-}" ] || put_secret agent-certificate-thumbprint "$REMEDIATION_AGENT_CERT_THUMBPRINT"
if [ -n "${REMEDIATION_IMAP_TRUSTED_CA_FILE:-}" ]; then
  grep -q -- '-----BEGIN CERTIFICATE-----' "$REMEDIATION_IMAP_TRUSTED_CA_FILE" \
    || { echo "postprovision: REMEDIATION_IMAP_TRUSTED_CA_FILE ($REMEDIATION_IMAP_TRUSTED_CA_FILE) holds no PEM certificate" >&2; exit 1; }
  put_secret imap-trusted-ca "$(cat "$REMEDIATION_IMAP_TRUSTED_CA_FILE")"
fi

az functionapp restart --name "$app" --resource-group "$group" --output none
echo "postprovision: restarted $app so its Key Vault references resolve" >&2

cat >&2 <<STEPS

On premises (docs/agent.md, infra/README.md):
  1. Agent key: on the agent machine, as an administrator with Key Vault Secrets User on $vault:
       az keyvault secret show --vault-name $vault --name agent-signing-key --query value -o tsv
     into the agent's Agent:Keys:${REMEDIATION_AGENT_KEY_ID:-k1} (appsettings.json readable by the service account only).
  2. Agent certificate: its SHA-256 thumbprint into the azd environment, then azd provision again:
       azd env set REMEDIATION_AGENT_CERT_THUMBPRINT <64 hex digits>
  3. Hybrid Connection Manager (two machines for high availability): add each connection of
     ${REMEDIATION_RELAY_NAMESPACE:-the relay namespace} with its listen-only rule hcmListener:
       az relay hyco authorization-rule keys list -g $group --namespace-name ${REMEDIATION_RELAY_NAMESPACE:-<namespace>} --hybrid-connection-name <name> -n hcmListener --query primaryConnectionString -o tsv
  4. Alerts: point Azure Monitor action groups (or SCOM) at https://<app>/api/alerts with a function key, or use the
     example action group <prefix>-remediate the template created.
STEPS
