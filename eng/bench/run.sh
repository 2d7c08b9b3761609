#!/usr/bin/env bash
# Every benchmark, one command, from nothing: installs the lab (Dovecot), Azurite and the peers people script today
# (curl, the Nagios plugins' check_simap, GNU time for their memory), builds, runs, prints one table.
#   bash eng/bench/run.sh [--smoke] [--minutes=N] [probes|capacity|storm|overhead|detection|console|storage|memory]
# --smoke runs each mode in a size of seconds (the test command does, so no mode rots unseen); its figures mean nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=""; for arg in "$@"; do case "$arg" in --*) ;; *) mode="$arg";; esac; done
browser=0; case "$mode" in ""|console) browser=1;; esac   # the console benchmark draws the page in Chromium
INSTALL_BROWSER=$browser bash eng/install-deps.sh
need=()
command -v curl >/dev/null || need+=(curl)
[ -x /usr/lib/nagios/plugins/check_simap ] || need+=(monitoring-plugins-basic)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "bench: installing ${need[*]}" >&2
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build eng/bench/Remediation.Bench -c Release -nologo -clp:ErrorsOnly -warnAsMessage:NU1603
exec dotnet run -c Release --no-build --project eng/bench/Remediation.Bench -- "$@"
