#!/usr/bin/env bash
# The whole test suite from nothing: install dependencies, build with warnings as errors, check formatting,
# run the fast unit tests, then the end-to-end tests over the Dovecot lab, then every benchmark in smoke size. Cleans up every process it started.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bash eng/install-deps.sh

# Every lab the tests start lives under this folder; a Dovecot whose command line names it is ours to stop.
# It is under /tmp, not the clone: Dovecot's unprivileged processes must traverse every parent folder, and a clone
# under a 0700 home would not let them.
# Short, too: Dovecot puts unix sockets below it, and Linux caps their paths at 108 bytes.
export REMEDIATION_LAB_ROOT="$(mktemp -d /tmp/rlab.XXXXXX)"
chmod 755 "$REMEDIATION_LAB_ROOT"
cleanup() {
  for pid in $(pgrep -f -- "$REMEDIATION_LAB_ROOT" || true); do kill -KILL "$pid" 2>/dev/null || true; done
  rm -rf "$REMEDIATION_LAB_ROOT"
}
trap cleanup EXIT

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
log="$root/artifacts/test-output.log"; : > "$log"

echo "== build" >&2
# TreatWarningsAsErrors comes from Directory.Build.props; the Functions SDK generates a WorkerExtensions project
# that ignores it and restores with NU1603 (next-higher version served): that one warning stays a message.
dotnet build Remediation.sln -c Release -nologo -clp:ErrorsOnly -warnAsMessage:NU1603

echo "== format" >&2
dotnet format Remediation.sln --verify-no-changes --no-restore -v quiet

echo "== unit tests" >&2
dotnet test tests/Remediation.Core.Tests -c Release --no-build --nologo 2>&1 | tee -a "$log"

echo "== infrastructure tests (Bicep compiled and linted offline, ARM checked)" >&2
dotnet test tests/Remediation.Infra.Tests -c Release --no-build --nologo 2>&1 | tee -a "$log"

echo "== agent tests (real Kestrel, signed requests, Dovecot lab, PowerShell SDK with stand-in cmdlets)" >&2
dotnet test tests/Remediation.Agent.Tests -c Release --no-build --nologo --blame-hang-timeout 5m 2>&1 | tee -a "$log"

echo "== Functions app tests (function methods over the engine, Service Bus through the SDK's test seams)" >&2
dotnet test tests/Remediation.Functions.Tests -c Release --no-build --nologo --blame-hang-timeout 5m 2>&1 | tee -a "$log"

echo "== end-to-end tests (Dovecot lab, embedded Durable engine, agent, Chromium)" >&2
dotnet test tests/Remediation.EndToEnd.Tests -c Release --no-build --nologo --blame-hang-timeout 5m 2>&1 | tee -a "$log"

echo "== benchmarks in smoke size (every eng/bench/run.sh mode runs, so none rots unseen; no figure is asserted)" >&2
bash eng/bench/run.sh --smoke > "$root/artifacts/bench-smoke.log" 2>&1 || { tail -40 "$root/artifacts/bench-smoke.log" >&2; echo "benchmarks (smoke size) failed" >&2; exit 1; }
tail -3 "$root/artifacts/bench-smoke.log" >&2

# One closing line for every runner: "N passed, N failed".
awk '/(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1) } }
     END { gsub(",", "", p); printf "%d passed, %d failed\n", p, f }' "$log"
