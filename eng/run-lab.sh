#!/usr/bin/env bash
# The product's main job on its embedded defaults: the standalone host in lab mode (real Dovecot "mailbox servers"
# and a "CAS" proxy on 127.0.0.1, the lab agent, embedded Durable engine, in-process queue); the dashboard is at
# http://127.0.0.1:5080/. Ctrl+C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
INSTALL_BROWSER=0 INSTALL_AZURITE=0 bash eng/install-deps.sh
exec dotnet run --project src/Remediation.Host -c Release -- --lab "$@"
