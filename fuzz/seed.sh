#!/usr/bin/env bash
# Seeds the fuzz corpora from the examples and the converter fixtures (corpora are not kept in
# git; libFuzzer grows them in fuzz/corpus/).
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/config corpus/import_ifupdown corpus/import_netplan
cp ../examples/*.yaml corpus/config/
for f in ../examples/lab/*.lab.yaml; do cp "$f" "corpus/config/lab-$(basename "$f")"; done
cp ../crates/hostnet-convert/tests/fixtures/debian-interfaces corpus/import_ifupdown/
cp ../crates/hostnet-convert/tests/fixtures/netplan-*.yaml corpus/import_netplan/
