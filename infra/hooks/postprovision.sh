#!/usr/bin/env bash
# azd postprovision: what the template cannot do, after every `azd provision` / `azd up`. Idempotent, unattended.
#   0. `az` must be signed in on its own (azd signs in only itself; in CI: azure/login with OIDC, see infra/README.md);
#   1. waits until the deploying principal's Key Vault Secrets Officer role (granted by the template to
#      AZURE_PRINCIPAL_ID) reaches the vault's data plane: new role assignments take minutes, and until then every
#      secret call is 403;
#   2. the agent's signing key: generated once (32 random bytes) into Key Vault, never printed, never replaced (a
#      secret that cannot be read for any other reason than "not found" stops the hook: it never overwrites a key);
#   3. secrets you hand in through the azd environment, stored in Key Vault (the template holds references only):
#      REMEDIATION_ESCALATION_WEBHOOK_URL -> escalation-webhook-url, REMEDIATION_SMTP_PASSWORD -> smtp-password,
#      REMEDIATION_TEAMS_WORKFLOW_URL -> teams-workflow-url,
#      REMEDIATION_AGENT_CERT_THUMBPRINT -> agent-certificate-thumbprint, REMEDIATION_OPERATOR_CLIENT_SECRET ->
#      operator-client-secret (Easy Auth's code flow; the callback URI is added to the registration), the PEM file REMEDIATION_IMAP_TRUSTED_CA_FILE ->
#      imap-trusted-ca (with REMEDIATION_IMAP_TRUSTED_CA=true the probes trust exactly that CA), and the probe
#      mailboxes' passwords from REMEDIATION_PROBE_PASSWORDS_FILE (lines SERVER=password) -> probe-<server>;
#   4. makes the Function App resolve its Key Vault references again (the documented refresh call, then a restart:
#      a reference to a secret stored after the app started keeps its literal text until then);
#   5. prints what is still missing and the on-premises steps.
# Values from azd: AZURE_KEY_VAULT_NAME, AZURE_FUNCTION_APP_NAME, AZURE_RESOURCE_GROUP, REMEDIATION_RELAY_NAMESPACE
# (outputs of infra/main.bicep). REMEDIATION_HOOK_WAIT_SECONDS (600) bounds step 1.
set -euo pipefail
vault="${AZURE_KEY_VAULT_NAME:?AZURE_KEY_VAULT_NAME is not set: run through azd (postprovision hook)}"
app="${AZURE_FUNCTION_APP_NAME:?AZURE_FUNCTION_APP_NAME is not set}"
group="${AZURE_RESOURCE_GROUP:?AZURE_RESOURCE_GROUP is not set}"
wait_seconds="${REMEDIATION_HOOK_WAIT_SECONDS:-600}"
retry_seconds="${REMEDIATION_HOOK_RETRY_SECONDS:-15}"

fail() { echo "postprovision: $*" >&2; exit 1; }

# 0. The Azure CLI's own sign-in.
az account show --output none 2>/dev/null \
  || fail "the Azure CLI is not signed in (azd signs in only itself). Run 'az login' (CI: azure/login with OIDC, infra/README.md), then 'azd hooks run postprovision'."

# 1. The data plane, once the role has propagated. Any other refusal is reported as it is.
waited=0
while true; do
  if err="$(az keyvault secret list --vault-name "$vault" --maxresults 1 --output none 2>&1)"; then
    break
  fi
  case "$err" in
    *Forbidden*|*403*|*"does not have secrets list permission"*)
      [ "$waited" -lt "$wait_seconds" ] \
        || fail "still no access to $vault's secrets after ${waited}s: the deploying principal needs Key Vault Secrets Officer on it (the template grants it to AZURE_PRINCIPAL_ID; is that who az is signed in as?). Last answer: $err"
      echo "postprovision: waiting for the Key Vault Secrets Officer role on $vault to reach its data plane (${waited}s; role assignments take minutes)" >&2
      sleep "$retry_seconds"; waited=$((waited + (retry_seconds > 0 ? retry_seconds : 1))) ;;
    *) fail "cannot list $vault's secrets: $err" ;;
  esac
done

# A secret's value goes through a private temporary file, never the command line (visible in the process list).
put_secret() {
  local name="$1" value="$2" file
  file="$(umask 077; mktemp)"
  printf '%s' "$value" > "$file"
  if ! az keyvault secret set --vault-name "$vault" --name "$name" --file "$file" --encoding utf-8 --output none; then
    rm -f "$file"; fail "could not store Key Vault secret $name"
  fi
  rm -f "$file"
  echo "postprovision: stored Key Vault secret $name" >&2
}

# present NAME: 0 when the secret exists, 1 when Key Vault says it does not; anything else stops the hook.
present() {
  local err
  if err="$(az keyvault secret show --vault-name "$vault" --name "$1" --query id --output tsv 2>&1 >/dev/null)"; then return 0; fi
  case "$err" in
    *SecretNotFound*|*"was not found"*|*NotFound*) return 1 ;;
    *) fail "cannot tell whether Key Vault secret $1 exists (it is left as it is): $err" ;;
  esac
}

# 2. The agent key.
if present agent-signing-key; then
  echo "postprovision: agent-signing-key exists; kept (rotate: docs/agent.md)" >&2
else
  put_secret agent-signing-key "$(openssl rand -base64 32)"
fi

# 3. Handed-in secrets.
[ -z "${REMEDIATION_ESCALATION_WEBHOOK_URL:-}" ] || put_secret escalation-webhook-url "$REMEDIATION_ESCALATION_WEBHOOK_URL"
[ -z "${REMEDIATION_SMTP_PASSWORD:-}" ] || put_secret smtp-password "$REMEDIATION_SMTP_PASSWORD"
[ -z "${REMEDIATION_TEAMS_WORKFLOW_URL:-}" ] || put_secret teams-workflow-url "$REMEDIATION_TEAMS_WORKFLOW_URL"
[ -z "${REMEDIATION_AGENT_CERT_THUMBPRINT:-}" ] || put_secret agent-certificate-thumbprint "$REMEDIATION_AGENT_CERT_THUMBPRINT"
[ -z "${REMEDIATION_OPERATOR_CLIENT_SECRET:-}" ] || put_secret operator-client-secret "$REMEDIATION_OPERATOR_CLIENT_SECRET"
if [ -n "${REMEDIATION_IMAP_TRUSTED_CA_FILE:-}" ]; then
  grep -q -- '-----BEGIN CERTIFICATE-----' "$REMEDIATION_IMAP_TRUSTED_CA_FILE" \
    || fail "REMEDIATION_IMAP_TRUSTED_CA_FILE ($REMEDIATION_IMAP_TRUSTED_CA_FILE) holds no PEM certificate"
  put_secret imap-trusted-ca "$(cat "$REMEDIATION_IMAP_TRUSTED_CA_FILE")"
fi

# Probe passwords: one "SERVER=password" per line (the server as named in infra/topology.json; # comments and blank
# lines skipped), the secret probe-<server in lower case> the template's reference reads. Checked before any is stored.
if [ -n "${REMEDIATION_PROBE_PASSWORDS_FILE:-}" ]; then
  [ -r "$REMEDIATION_PROBE_PASSWORDS_FILE" ] || fail "REMEDIATION_PROBE_PASSWORDS_FILE ($REMEDIATION_PROBE_PASSWORDS_FILE) cannot be read"
  line=0
  while IFS= read -r entry || [ -n "$entry" ]; do
    line=$((line + 1))
    entry="${entry%$'\r'}"
    case "$entry" in ''|'#'*) continue ;; esac
    server="${entry%%=*}"
    [[ "$entry" == *=* && "$server" =~ ^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$ && -n "${entry#*=}" ]] \
      || fail "REMEDIATION_PROBE_PASSWORDS_FILE line $line is not SERVER=password (a server name of letters, digits, '.' and '-', and a password)"
  done < "$REMEDIATION_PROBE_PASSWORDS_FILE"
  while IFS= read -r entry || [ -n "$entry" ]; do
    entry="${entry%$'\r'}"
    case "$entry" in ''|'#'*) continue ;; esac
    server="${entry%%=*}"
    put_secret "probe-$(printf '%s' "$server" | tr '[:upper:]' '[:lower:]')" "${entry#*=}"
  done < "$REMEDIATION_PROBE_PASSWORDS_FILE"
fi

# 4. References resolve again: the refresh call Microsoft documents for Key Vault references, then a restart.
app_id="$(az functionapp show --name "$app" --resource-group "$group" --query id --output tsv)"
az rest --method post --url "https://management.azure.com${app_id}/config/configreferences/appsettings/refresh?api-version=2022-03-01" --output none \
  || echo "postprovision: the Key Vault reference refresh call failed; the restart below resolves them too" >&2
az functionapp restart --name "$app" --resource-group "$group" --output none
echo "postprovision: refreshed $app's Key Vault references and restarted it" >&2

# The operators' sign-in: the app registration must list this app's callback, which exists only now. Added when
# missing (needs owner rights on the registration); otherwise the command is printed. Never fatal: alerts still work.
if [ -n "${REMEDIATION_OPERATOR_CLIENT_ID:-}" ]; then
  host="$(az functionapp show --name "$app" --resource-group "$group" --query defaultHostName --output tsv)"
  callback="https://$host/.auth/login/aad/callback"
  if uris="$(az ad app show --id "$REMEDIATION_OPERATOR_CLIENT_ID" --query 'web.redirectUris' --output tsv 2>/dev/null)"; then
    if printf '%s\n' "$uris" | grep -qxF "$callback"; then
      echo "postprovision: the sign-in callback $callback is registered" >&2
    elif az ad app update --id "$REMEDIATION_OPERATOR_CLIENT_ID" --web-redirect-uris $uris "$callback" --output none 2>/dev/null; then
      echo "postprovision: registered the sign-in callback $callback on app $REMEDIATION_OPERATOR_CLIENT_ID" >&2
    else
      echo "postprovision: could not add $callback to app $REMEDIATION_OPERATOR_CLIENT_ID (owner rights needed): az ad app update --id $REMEDIATION_OPERATOR_CLIENT_ID --web-redirect-uris $uris $callback" >&2
    fi
  else
    echo "postprovision: cannot read app registration $REMEDIATION_OPERATOR_CLIENT_ID; make sure $callback is one of its web redirect URIs" >&2
  fi
  present operator-client-secret || echo "postprovision: operator-client-secret is not in Key Vault: operators cannot sign in until it is (az ad app credential reset --id $REMEDIATION_OPERATOR_CLIENT_ID --append --query password -o tsv, then azd env set REMEDIATION_OPERATOR_CLIENT_SECRET and azd provision)" >&2
fi

# 5. What is still missing (the app runs without it, degraded: /api/healthz names each unresolved setting).
for name in agent-certificate-thumbprint; do
  present "$name" || echo "postprovision: $name is not in Key Vault yet: the engine will not call the agent until it is (step 2 below)" >&2
done

cat >&2 <<STEPS

On premises (docs/agent.md, infra/README.md):
  1. Agent key: on the agent machine, as an administrator with Key Vault Secrets User on $vault:
       az keyvault secret show --vault-name $vault --name agent-signing-key --query value -o tsv
     into the agent's Agent:Keys:${REMEDIATION_AGENT_KEY_ID:-k1} (appsettings.json readable by the service account only).
  2. Agent certificate: its SHA-256 thumbprint into the azd environment, then azd provision again:
       azd env set REMEDIATION_AGENT_CERT_THUMBPRINT <64 hex digits>
  3. Probe mailboxes: their passwords, one SERVER=password per line in a file only you can read, then azd provision again:
       azd env set REMEDIATION_PROBE_PASSWORDS_FILE /path/to/probe-passwords
     (a server without one is not probed: its monitors stay UnInitialized, and nothing acts on it)
  4. Hybrid Connection Manager (two machines for high availability): add each connection of
     ${REMEDIATION_RELAY_NAMESPACE:-the relay namespace} with its listen-only rule hcmListener:
       az relay hyco authorization-rule keys list -g $group --namespace-name ${REMEDIATION_RELAY_NAMESPACE:-<namespace>} --hybrid-connection-name <name> -n hcmListener --query primaryConnectionString -o tsv
  5. Alerts: point Azure Monitor action groups (or SCOM) at https://<app>/api/alerts with a function key, or use the
     example action group <prefix>-remediate the template created.
STEPS
