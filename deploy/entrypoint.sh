#!/bin/sh
# The image's entry point. Secrets arrive as files (compose secrets under /run/secrets,
# a Kubernetes volume...); the programs read environment variables. For each secret
# variable NAME below, NAME_FILE=/path exports NAME with the file's content (its trailing
# newline dropped); then the command runs. NAME and NAME_FILE both set is refused (which
# one wins would be a guess). Values are never printed.
set -eu

SECRETS="DATABASE_URL MOWAKABA_ENCRYPTION_KEYS MOWAKABA_SMTP_PASSWORD
MOWAKABA_SMS_GATEWAY_TOKEN PREFECT_API_AUTH_STRING PREFECT_SERVER_API_AUTH_STRING
PREFECT_SERVER_DATABASE_CONNECTION_URL PREFECT_REDIS_MESSAGING_PASSWORD"

for name in $SECRETS; do
    # $name is one of the fixed names above: safe to expand with eval.
    eval "file=\${${name}_FILE:-}"
    [ -n "$file" ] || continue
    if eval "[ -n \"\${${name}+set}\" ]"; then
        echo "error: both $name and ${name}_FILE are set: keep one" >&2
        exit 2
    fi
    if [ ! -r "$file" ]; then
        echo "error: ${name}_FILE names $file, which cannot be read" >&2
        exit 2
    fi
    value=$(cat "$file")
    export "$name=$value"
    unset "${name}_FILE"
done

exec "$@"
