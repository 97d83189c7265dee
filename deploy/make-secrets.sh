#!/bin/sh
# Make the secrets compose.yaml reads, once, in ./secrets (run from the project's root):
# the database password and the two URLs that carry it, the Prefect API's basic-auth
# credentials, and the encryption key of notes and documents. An existing file is kept:
# run it again safely. Keep a copy of secrets/encryption_keys apart from the backups
# (docs/operations.md, "Key management"): a backup without its key cannot be read.
#
# The folder is 0700 (only you, on this host); its files are 0644 because each is
# bind-mounted into containers whose users (mowakaba, postgres) are not you.
set -eu
umask 022
mkdir -p secrets
chmod 700 secrets

random() { head -c "$1" /dev/urandom | base64 | tr -d '\n=+/'; }

make() {  # make NAME VALUE: write secrets/NAME unless it exists
    if [ -e "secrets/$1" ]; then
        echo "kept    secrets/$1"
    else
        printf '%s' "$2" > "secrets/$1"
        chmod 644 "secrets/$1"
        echo "made    secrets/$1"
    fi
}

if [ -e secrets/postgres_password ]; then
    password=$(cat secrets/postgres_password)
else
    password=$(random 24)
fi
make postgres_password "$password"
make database_url "postgresql+psycopg://mowakaba:$password@postgres:5432/mowakaba"
make prefect_database_url "postgresql+asyncpg://mowakaba:$password@postgres:5432/prefect"
make prefect_auth "admin:$(random 18)"
# 32 random bytes in base64url: what `mowakaba keys new` makes.
make encryption_keys "$(head -c 32 /dev/urandom | base64 | tr '+/' '-_')"
