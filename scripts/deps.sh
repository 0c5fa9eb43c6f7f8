#!/usr/bin/env bash
# Installs the Debian 12 packages vectorext needs to build, test and run, if any is missing. Idempotent.
set -euo pipefail
PACKAGES=(
  build-essential cmake pkg-config
  postgresql-15 postgresql-server-dev-15 postgresql-contrib
  libhnswlib-dev libfaiss-dev libopenblas-dev liblapack-dev
  libgtest-dev libbenchmark-dev
  libipc-run-perl
  libpq-dev zlib1g-dev gnuplot-nox
  # the clients test layer (test/clients): Python client libraries; the Node ones come from npm
  python3-psycopg python3-psycopg2 python3-asyncpg python3-sqlalchemy python3-django
  # the python layer (clients/python, docs/python.md): the package's dependencies, its tests and the notebook
  python3-venv python3-pip python3-setuptools python3-wheel python3-tqdm python3-numpy python3-pandas
  python3-pytest python3-nbclient python3-nbformat python3-ipykernel python3-matplotlib
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js and npm for the clients layer, from Debian unless the machine already has them (another distribution of
# Node.js ships its own npm and conflicts with Debian's package).
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "vectorext needs these Debian packages: ${missing[*]}" >&2
  echo "Install them as root: apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing: ${missing[*]}"
# Installing the server package would otherwise create and start a 'main' cluster on port 5432 that we never use.
if [[ " ${missing[*]} " == *" postgresql-15 "* ]]; then
  mkdir -p /etc/postgresql-common
  conf=/etc/postgresql-common/createcluster.conf
  if [ -f "$conf" ] && grep -q '^ *create_main_cluster' "$conf"; then
    sed -i 's/^ *create_main_cluster.*/create_main_cluster = false/' "$conf"
  else
    echo "create_main_cluster = false" >> "$conf"
  fi
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -q --no-install-recommends "${missing[@]}"
