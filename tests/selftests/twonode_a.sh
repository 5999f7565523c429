#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Node A of the two-guest smoke test (scripts/vm-run --nodes 2).
source "$(dirname "$0")/twonode_lib.sh"
twonode_checks
