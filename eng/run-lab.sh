#!/usr/bin/env bash
# The product's main job on its embedded defaults: the standalone host in lab mode (real Dovecot "mailbox servers"
# and a "CAS" proxy on 127.0.0.1, the lab agent, embedded Durable engine, in-process queue); the dashboard is at
# http://127.0.0.1:5080/. Ctrl+C stops everything it started.
#
#   bash eng/run-lab.sh             everything in memory
#   bash eng/run-lab.sh --durable   runs, ledger and monitors in Azurite (artifacts/azurite-data) through the Azure
#                                   Storage Durable provider: kill the host (even with SIGKILL), start it again, and
#                                   its runs carry on.
set -euo pipefail
cd "$(dirname "$0")/.."
durable=0
args=()
for arg in "$@"; do
  if [ "$arg" = --durable ]; then durable=1; else args+=("$arg"); fi
done

if [ "$durable" = 0 ]; then
  INSTALL_BROWSER=0 INSTALL_AZURITE=0 bash eng/install-deps.sh
  exec dotnet run --project src/Remediation.Lab -c Release -- "${args[@]}"
fi

INSTALL_BROWSER=0 bash eng/install-deps.sh
mkdir -p artifacts/azurite-data
artifacts/tools/node_modules/.bin/azurite --blobHost 127.0.0.1 --blobPort 10000 --queueHost 127.0.0.1 --queuePort 10001 \
  --tableHost 127.0.0.1 --tablePort 10002 --location artifacts/azurite-data --skipApiVersionCheck --disableTelemetry \
  --silent --loose &
azurite=$!
trap 'kill "$azurite" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  (exec 3<>/dev/tcp/127.0.0.1/10001) 2>/dev/null && break
  kill -0 "$azurite" 2>/dev/null || { echo "run-lab: Azurite did not start (ports 10000-10002 in use?)" >&2; exit 1; }
  sleep 0.1
done
echo "run-lab: Azurite (pid $azurite) on 127.0.0.1:10000-10002, data in artifacts/azurite-data" >&2
# Azurite's well-known development account (public and documented): not a secret.
export Remediation__Storage__ConnectionString="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;"
dotnet run --project src/Remediation.Lab -c Release -- "${args[@]}"
