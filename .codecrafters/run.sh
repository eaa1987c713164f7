#!/bin/sh
#
# Runs Bunka on CodeCrafters (after .codecrafters/compile.sh) and locally from your_program.sh,
# in the caller's directory: a relative config path or log.dirs means what it means to the caller.
#
# Learn more: https://codecrafters.io/program-interface

set -e # Exit on failure

# CodeCrafters runs this file in place of your_program.sh at the repository root; locally it is
# .codecrafters/run.sh. Either way ./bunka is beside it or one level up.
dir=$(dirname "$0")
[ -x "$dir/bunka" ] || dir="$dir/.."

# JavaScriptCore reserves 4 GiB of address space for its structure heap when it can, so Bun
# reserves about 6.2 GiB at start-up. The CodeCrafters tester sets a 6 GiB RLIMIT_AS with
# prlimit on the process it started, which can land after this exec: every later mmap then fails
# and Bun aborts. 1 GiB is what JSC settles for when the limit is already there (about 3.2 GiB in
# all); asking for it up front makes the start-up the same whenever the limit lands.
# BUN_JSC_* options are not a stable Bun API: test/e2e/operator-errors.test.ts checks this one.
export BUN_JSC_structureHeapSizeInKB="${BUN_JSC_structureHeapSizeInKB:-1048576}"
exec "$dir/bunka" "$@"
