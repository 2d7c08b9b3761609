#!/usr/bin/env bash
# Installs what the product and its tests need on a fresh Debian/Ubuntu machine; a no-op when all is present.
#   Dovecot (dovecot-imapd): the real IMAP servers of the lab.
#   Chromium: the browser the dashboard tests drive through Playwright (never a downloaded browser).
#   Skip the browser with INSTALL_BROWSER=0 (the main job does not need it).
#   Azurite (npm, into artifacts/tools): Table storage for the durable-state tests. Skipped with INSTALL_AZURITE=0.
#   oidc-provider (npm, into artifacts/tools): the real OpenID Connect provider the identity tests sign in with.
# Run as root (or with sudo available). Package names only: the machine's own apt and npm registries are used.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
[ -x /usr/sbin/dovecot ] || need+=(dovecot-imapd)
command -v setsid >/dev/null || need+=(util-linux)
[ "${INSTALL_BROWSER:-1}" = 0 ] || [ -x /usr/bin/chromium ] || need+=(chromium)

if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "install-deps: installing ${need[*]}" >&2
  $sudo apt-get update -qq
  # The packages' own service start is blocked in containers and not wanted: the lab runs private instances.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

command -v dotnet >/dev/null || { echo "install-deps: the .NET 10 SDK is required (dotnet not on PATH)" >&2; exit 1; }

npm_tools=()
[ "${INSTALL_AZURITE:-1}" = 0 ] || [ -x artifacts/tools/node_modules/.bin/azurite ] || npm_tools+=(azurite@3.37.0)
[ "${INSTALL_AZURITE:-1}" = 0 ] || [ -f artifacts/tools/node_modules/oidc-provider/package.json ] || npm_tools+=(oidc-provider@9.13.3)
if [ ${#npm_tools[@]} -gt 0 ]; then
  command -v npm >/dev/null || { echo "install-deps: npm (Node.js) is required for ${npm_tools[*]}" >&2; exit 1; }
  echo "install-deps: installing ${npm_tools[*]} into artifacts/tools" >&2
  mkdir -p artifacts/tools
  npm install --prefix artifacts/tools --no-audit --no-fund --silent "${npm_tools[@]}" >/dev/null
fi
echo "install-deps: ok (dovecot $(/usr/sbin/dovecot --version | cut -d' ' -f1), dotnet $(dotnet --version)$([ -x /usr/bin/chromium ] && echo ", chromium") )" >&2
