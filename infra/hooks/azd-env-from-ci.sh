#!/usr/bin/env bash
# The CI deploy job's azd environment, from the CI environment's variables: every variable infra/main.parameters.json
# reads is set in the azd environment when CI has a value for it, so a release deploys production as it is configured
# (a variable left out would fall back to its default: CA pinning off, escalation off, no alert e-mail). One that
# the parameters file requires (no default) and CI lacks stops the deploy here, named, before anything is created.
#   usage: bash infra/hooks/azd-env-from-ci.sh <azd environment name>
# Needs AZURE_SUBSCRIPTION_ID and AZURE_LOCATION; azd itself supplies AZURE_ENV_NAME and AZURE_PRINCIPAL_ID.
set -euo pipefail
cd "$(dirname "$0")/../.."
name="${1:?usage: azd-env-from-ci.sh <azd environment name>}"
params=infra/main.parameters.json

# ${VAR} is required; ${VAR=default} has a default.
required="$(grep -o '\${[A-Z0-9_]*}' "$params" | tr -d '${}' | sort -u)"
every="$(grep -o '\${[A-Z0-9_]*' "$params" | tr -d '${' | sort -u)"
own=" AZURE_ENV_NAME AZURE_PRINCIPAL_ID "

missing=()
for variable in AZURE_SUBSCRIPTION_ID $required; do
  case "$own" in *" $variable "*) continue ;; esac
  [ -n "${!variable:-}" ] || missing+=("$variable")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "azd-env-from-ci: not set in the CI environment's variables, and required by $params: ${missing[*]}" >&2
  exit 1
fi

azd env new "$name" --subscription "$AZURE_SUBSCRIPTION_ID" --location "$AZURE_LOCATION" --no-prompt >/dev/null 2>&1 \
  || azd env select "$name"
for variable in $every; do
  case "$own" in *" $variable "*) continue ;; esac
  if [ -n "${!variable:-}" ]; then
    azd env set "$variable" "${!variable}"
    echo "azd-env-from-ci: $variable set" >&2
  else
    echo "azd-env-from-ci: $variable not set in CI: the template's default" >&2
  fi
done
