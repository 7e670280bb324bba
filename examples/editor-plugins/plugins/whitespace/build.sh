#!/bin/sh
# Builds whitespace.wasm from whitespace.c with Debian's clang and lld
# (apt-get install clang lld). The editor's tests check that the committed
# whitespace.wasm is what this command builds.
set -eu
cd "$(dirname "$0")"
clang --target=wasm32-unknown-unknown -std=c11 -O2 -nostdlib -ffreestanding \
	-Wall -Werror -Wl,--no-entry -Wl,--strip-all \
	-o whitespace.wasm whitespace.c
chmod 644 whitespace.wasm
