#!/usr/bin/env bash
# The drop-in install (make install PGVECTOR_NAME=1, docs/clients.md) into scratch DESTDIRs: without the option no
# extension `vector` is installed; with it vector.control and vector--vectorext-X.sql are, again and again; a
# vector.control that is not ours (pgvector's) is never overwritten and makes the install refuse before it installs
# anything; uninstall removes only ours. Prints one "ok"/"not ok" line per check and "N passed, M failed" last.
# Usage: pgvector_name.sh REPO PG_CONFIG (the module must be built).
set -uo pipefail
REPO=$1
PG_CONFIG=$2
SHAREDIR=$("$PG_CONFIG" --sharedir)
PKGLIBDIR=$("$PG_CONFIG" --pkglibdir)
VERSION=$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$REPO/vectorext.control")
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT
passed=0
failed=0

check() {  # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@"; then echo "ok - $what"; passed=$((passed + 1)); else echo "not ok - $what"; failed=$((failed + 1)); fi
}
install_into() {  # install_into DESTDIR [make arguments]: exit status of make install, its output in DESTDIR.log
  local dest=$1; shift
  make -C "$REPO" --no-print-directory -s install DESTDIR="$dest" PG_CONFIG="$PG_CONFIG" "$@" >"$dest.log" 2>&1
}

plain=$SCRATCH/plain
install_into "$plain"
check "make install: vectorext installed" test -f "$plain$SHAREDIR/extension/vectorext.control"
check "make install: no extension vector without PGVECTOR_NAME=1" test ! -e "$plain$SHAREDIR/extension/vector.control"

ours=$SCRATCH/ours
check "make install PGVECTOR_NAME=1 succeeds" install_into "$ours" PGVECTOR_NAME=1
check "... installs vector.control loading our module" grep -qxF "module_pathname = '\$libdir/vectorext'" "$ours$SHAREDIR/extension/vector.control"
check "... with default_version vectorext-$VERSION" grep -qxF "default_version = 'vectorext-$VERSION'" "$ours$SHAREDIR/extension/vector.control"
check "... and vector--vectorext-$VERSION.sql" grep -q 'CREATE EXTENSION vector"' "$ours$SHAREDIR/extension/vector--vectorext-$VERSION.sql"
check "make install PGVECTOR_NAME=1 again over our own files succeeds" install_into "$ours" PGVECTOR_NAME=1
install_into "$ours"
check "make install without the option says the earlier drop-in install is left as it was" \
  grep -q 'also installed as extension "vector"' "$ours.log"
make -C "$REPO" --no-print-directory -s uninstall DESTDIR="$ours" PG_CONFIG="$PG_CONFIG" PGVECTOR_NAME=1 >/dev/null 2>&1
check "make uninstall PGVECTOR_NAME=1 removes vector.control and its scripts" \
  bash -c "! ls '$ours$SHAREDIR'/extension/vector* >/dev/null 2>&1"

# A pgvector installation, as far as the install can tell: its control file and one of its scripts.
theirs=$SCRATCH/theirs
mkdir -p "$theirs$SHAREDIR/extension"
printf "comment = 'pgvector'\ndefault_version = '0.8.6'\nmodule_pathname = '\$libdir/vector'\nrelocatable = true\n" \
  > "$theirs$SHAREDIR/extension/vector.control"
echo "-- pgvector" > "$theirs$SHAREDIR/extension/vector--0.8.6.sql"
cp "$theirs$SHAREDIR/extension/vector.control" "$SCRATCH/pgvector.control"
if install_into "$theirs" PGVECTOR_NAME=1; then refused=no; else refused=yes; fi
check "make install PGVECTOR_NAME=1 refuses over pgvector's vector.control" test "$refused" = yes
check "... says why" grep -q "belongs to another extension (pgvector?): vectorext will not overwrite it" "$theirs.log"
check "... leaves pgvector's vector.control as it was" cmp -s "$SCRATCH/pgvector.control" "$theirs$SHAREDIR/extension/vector.control"
check "... and installs nothing else" test ! -e "$theirs$PKGLIBDIR/vectorext.so" -a ! -e "$theirs$SHAREDIR/extension/vectorext.control"
make -C "$REPO" --no-print-directory -s uninstall DESTDIR="$theirs" PG_CONFIG="$PG_CONFIG" PGVECTOR_NAME=1 >/dev/null 2>&1
check "make uninstall PGVECTOR_NAME=1 leaves pgvector's files" \
  test -f "$theirs$SHAREDIR/extension/vector.control" -a -f "$theirs$SHAREDIR/extension/vector--0.8.6.sql"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
