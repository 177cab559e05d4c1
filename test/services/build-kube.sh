#!/usr/bin/env bash
# Builds kube-apiserver and etcd from their published Go modules into .cache/kube/<version>/, once per version.
# Their go.mod files carry replace lines to sibling folders (./staging/..., ../api) that the module zips lack: we copy
# the module out of the module cache, drop those replaces and require the published modules of the same version.
# Usage: build-kube.sh <cache-dir>. Prints the two binary paths. A fresh 2-core machine takes minutes; later runs none.
set -euo pipefail
cache="${1:?usage: build-kube.sh <cache-dir>}"
kubernetes_version=v1.34.4
staging_version=v0.34.4
etcd_version=v3.6.16
out="$cache/kube/kubernetes-$kubernetes_version-etcd-$etcd_version"
mkdir -p "$out"
export GOFLAGS=-mod=mod GOWORK=off GOTOOLCHAIN=local CGO_ENABLED=0

# copy_module <module@version> <dest>: a writable copy of a downloaded module.
copy_module() {
  local dir
  dir=$(go mod download -json "$1" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  rm -rf "$2" && cp -r "$dir" "$2" && chmod -R u+w "$2"
}

if [ ! -x "$out/kube-apiserver" ]; then
  work="$out/src-kubernetes"
  copy_module "k8s.io/kubernetes@$kubernetes_version" "$work"
  (
    cd "$work"
    for module in $(sed -n 's/^\s*\(\S*\) => \.\/staging\/.*/\1/p' go.mod); do
      go mod edit -dropreplace="$module"
    done
    # Every staging module is required at v0.0.0; the published ones carry the release's minor.
    for module in $(go mod edit -json | grep -B1 '"Version": "v0.0.0"' | sed -n 's/.*"Path": "\(.*\)",/\1/p'); do
      go mod edit -require="$module@$staging_version"
    done
    # The module zip has no git metadata: stamp the version /version reports, as the release build does.
    go build -trimpath -ldflags "-X k8s.io/component-base/version.gitVersion=$kubernetes_version -X k8s.io/component-base/version.gitTreeState=clean" \
      -o "$out/kube-apiserver.tmp" ./cmd/kube-apiserver
  )
  mv "$out/kube-apiserver.tmp" "$out/kube-apiserver"
  rm -rf "$work"
fi

if [ ! -x "$out/etcd" ]; then
  work="$out/src-etcd"
  copy_module "go.etcd.io/etcd/server/v3@$etcd_version" "$work"
  (
    cd "$work"
    for module in $(sed -n 's/^\s*\(\S*\) => \.\.\/.*/\1/p' go.mod); do
      go mod edit -dropreplace="$module" -require="$module@$etcd_version"
    done
    go build -trimpath -o "$out/etcd.tmp" .
  )
  mv "$out/etcd.tmp" "$out/etcd"
  rm -rf "$work"
fi
echo "$out/kube-apiserver"
echo "$out/etcd"
