#!/usr/bin/env bash
# azd preprovision: refuse, before anything is created, what the template would fail on halfway through.
#   - the environment name names every resource (rg-<prefix>-<env>, the Service Bus and Relay namespaces, the
#     identity): 2-12 letters, digits or hyphens, starting and ending with a letter or digit (azd itself allows '_'
#     and '.', which Service Bus and Relay namespace names refuse).
set -euo pipefail
env_name="${AZURE_ENV_NAME:?AZURE_ENV_NAME is not set: run through azd (preprovision hook)}"
if ! [[ "$env_name" =~ ^[A-Za-z0-9]([A-Za-z0-9-]{0,10}[A-Za-z0-9])?$ ]] || [ ${#env_name} -lt 2 ]; then
  echo "preprovision: the azd environment name '$env_name' cannot name this template's resources: use 2-12 letters, digits or hyphens, starting and ending with a letter or digit (e.g. 'imap-prod'; azd env new <name>)." >&2
  exit 1
fi
