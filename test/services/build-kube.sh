#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager, kube-scheduler, kubectl and etcd from their published Go modules
# into .cache/kube/<version>/, and kwok (the node simulator) with its own stage files into .cache/kube/kwok-<version>/,
# once per version.
# The kubernetes and etcd go.mod files carry replace lines to sibling folders (./staging/..., ../api) that the module
# zips lack: we copy the module out of the module cache, drop those replaces and require the published modules of the
# same version. kwok's module has no replaces: `go install` builds it as published.
# Usage: build-kube.sh <cache-dir>. Prints the paths of the binaries and of kwok's stages folder.
# A fresh 2-core machine takes minutes; later runs none.
set -euo pipefail
cache="${1:?usage: build-kube.sh <cache-dir>}"
kubernetes_version=v1.34.4
staging_version=v0.34.4
etcd_version=v3.6.16
kwok_version=v0.8.0
kube_commands=(kube-apiserver kube-controller-manager kube-scheduler kubectl)
out="$cache/kube/kubernetes-$kubernetes_version-etcd-$etcd_version"
mkdir -p "$out"
export GOFLAGS=-mod=mod GOWORK=off GOTOOLCHAIN=local CGO_ENABLED=0

# copy_module <module@version> <dest>: a writable copy of a downloaded module.
copy_module() {
  local dir
  dir=$(go mod download -json "$1" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  rm -rf "$2" && cp -r "$dir" "$2" && chmod -R u+w "$2"
}

missing=()
for command in "${kube_commands[@]}"; do
  [ -x "$out/$command" ] || missing+=("$command")
done
if [ ${#missing[@]} -gt 0 ]; then
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
    for command in "${missing[@]}"; do
      go build -trimpath -ldflags "-X k8s.io/component-base/version.gitVersion=$kubernetes_version -X k8s.io/component-base/version.gitTreeState=clean" \
        -o "$out/$command.tmp" "./cmd/$command"
      mv "$out/$command.tmp" "$out/$command"
    done
  )
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
kwok_out="$cache/kube/kwok-$kwok_version"
if [ ! -x "$kwok_out/kwok" ]; then
  mkdir -p "$kwok_out/bin.tmp"
  GOBIN="$kwok_out/bin.tmp" GOFLAGS=-mod=readonly go install -trimpath "sigs.k8s.io/kwok/cmd/kwok@$kwok_version"
  mv "$kwok_out/bin.tmp/kwok" "$kwok_out/kwok"
  rm -rf "$kwok_out/bin.tmp"
fi
# kwok's own stages, as its "fast" kustomizations list them: nodes turn Ready at once and keep a heartbeat; pods turn
# Running and Ready once bound, and go away when deleted.
if [ ! -d "$kwok_out/stages" ]; then
  stages=$(go mod download -json "sigs.k8s.io/kwok@$kwok_version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')/kustomize/stage
  mkdir -p "$kwok_out/stages.tmp"
  cp "$stages/node/fast/node-initialize.yaml" "$stages/node/heartbeat/node-heartbeat.yaml" \
    "$stages/pod/fast/pod-ready.yaml" "$stages/pod/fast/pod-complete.yaml" "$stages/pod/fast/pod-delete.yaml" \
    "$kwok_out/stages.tmp/"
  mv "$kwok_out/stages.tmp" "$kwok_out/stages"
fi
echo "$out/kube-apiserver"
echo "$out/etcd"
echo "$out/kube-controller-manager"
echo "$out/kube-scheduler"
echo "$out/kubectl"
echo "$kwok_out/kwok"
echo "$kwok_out/stages"
