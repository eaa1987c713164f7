#!/usr/bin/env bash
# Interop: mirror-maker.sh with MirrorMaker's exactly-once mode (exactly.once.source.support on
# both workers): Connect's transactional producers and fencing against Bunka and Kafka, commit
# markers after the mirrored records, group offsets still moved exactly. Not in run.sh's "all"
# (it takes as long as mirror-maker.sh); run it with `run.sh mirror-maker-eos`.
MM2_EOS=1 exec bash "$(dirname "${BASH_SOURCE[0]}")/mirror-maker.sh" "$@"
