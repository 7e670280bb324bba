#!/usr/bin/env bash
# Builds every WebAssembly text fixture of the repository (*.wat) into the
# .wasm committed beside it, with wabt's wat2wasm (Debian: apt-get install
# wabt). Tests load the committed .wasm, so that `go test ./...` needs only Go.
#
#   scripts/gen-wasm.sh           rebuild every .wasm in place
#   scripts/gen-wasm.sh --check   rebuild into a temporary directory and fail
#                                 when a committed .wasm is missing or differs
#
# A fixture that needs wat2wasm flags names them in a file wat2wasm.flags in
# its directory, one line per fixture: "name.wat --flag ...".
set -euo pipefail
cd "$(dirname "$0")/.."

check=false
case "${1:-}" in
--check) check=true ;;
"") ;;
*) echo "usage: scripts/gen-wasm.sh [--check]" >&2; exit 2 ;;
esac

command -v wat2wasm >/dev/null || { echo "gen-wasm.sh: wat2wasm not found: apt-get install wabt" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0 bad=0
while IFS= read -r -d '' wat; do
	dir=$(dirname "$wat") name=$(basename "$wat")
	wasm="${wat%.wat}.wasm"
	flags=()
	if [[ -f "$dir/wat2wasm.flags" ]]; then
		line=$(awk -v n="$name" '$1 == n { $1 = ""; print; exit }' "$dir/wat2wasm.flags")
		read -r -a flags <<<"$line"
	fi
	out="$tmp/out.wasm"
	if ! wat2wasm ${flags[@]+"${flags[@]}"} "$wat" -o "$out"; then
		echo "gen-wasm.sh: wat2wasm ${flags[*]} $wat failed" >&2
		bad=$((bad + 1))
		continue
	fi
	n=$((n + 1))
	if $check; then
		if [[ ! -f "$wasm" ]]; then
			echo "gen-wasm.sh: $wasm is missing: run scripts/gen-wasm.sh" >&2
			bad=$((bad + 1))
		elif ! cmp -s "$out" "$wasm"; then
			echo "gen-wasm.sh: $wasm does not match $wat: run scripts/gen-wasm.sh" >&2
			bad=$((bad + 1))
		fi
	else
		cp "$out" "$wasm"
	fi
done < <(find . -name .git -prune -o -name '*.wat' -type f -print0 | sort -z)

if ((bad > 0)); then
	echo "gen-wasm.sh: $bad of $((n + bad)) fixtures failed" >&2
	exit 1
fi
if $check; then
	echo "gen-wasm.sh: the $n committed .wasm files match their .wat sources ($(wat2wasm --version))"
else
	echo "gen-wasm.sh: built $n .wasm files"
fi
