#!/usr/bin/env bash
# Installs the Debian packages the integration tests use, only when they are missing:
#   amqp-tools   amqp-publish, a foreign producer (test/wire/foreign-producers.test.ts)
#   python3-pika a Python producer for /usr/bin/python3 (test/wire/pika-producers.test.ts)
#   openssl      test CA and certificates (test/security/tls.test.ts)
# Needs root (or sudo) when something is missing; does nothing otherwise.
set -euo pipefail

missing=()
for pkg in amqp-tools python3-pika openssl; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "test tools present: amqp-tools python3-pika openssl"
  exit 0
fi

echo "installing missing test tools: ${missing[*]}"
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    echo "not root and no sudo: install ${missing[*]} by hand" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
