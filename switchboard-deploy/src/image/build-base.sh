#!/bin/sh
# Builds the base of Switchboard's image without a Docker daemon or an image registry: Debian's
# C libraries (apt-get download of the packages below, unpacked), a Java runtime cut from the
# building JDK with jlink, a non-root user and the directories a read-only root filesystem needs,
# as one layer in a `docker save` tarball, which Jib takes as its base (`tar://`).
#
#   build-base.sh OUT_DIR JAVA_MODULES
#
# Writes OUT_DIR/switchboard-base.tar and OUT_DIR/packages.txt (the Debian packages and their
# versions). Needs apt-get and dpkg-deb (Debian or Ubuntu) and JAVA_HOME's jlink.
set -eu

out=$1
modules=$2
java_home=${JAVA_HOME:?JAVA_HOME must name the JDK whose runtime goes into the image}
# The C libraries the JVM and the native libraries in the jar (DuckDB, ONNX Runtime) link against.
packages="libc6 libgcc-s1 libstdc++6 zlib1g"

rm -rf "$out"
mkdir -p "$out/debs" "$out/rootfs" "$out/image"
out=$(cd "$out" && pwd)
rootfs=$out/rootfs

# apt-get download writes into the working directory; as root it warns that its sandbox user
# cannot, and downloads anyway. A machine that never ran 'apt-get update' has no package lists:
# as root, the lists are fetched once and the download tried again.
download() {
  (cd "$out/debs" && apt-get download -q $packages >"$out/apt.log" 2>&1)
}
if ! download && ! { [ "$(id -u)" = 0 ] && apt-get update -qq >>"$out/apt.log" 2>&1 && download; }; then
  cat "$out/apt.log" >&2
  echo "build-base.sh: apt-get download of $packages failed: run 'apt-get update' once, or build on a public base (docs/deployment.md)" >&2
  exit 1
fi
: >"$out/packages.txt"
for deb in "$out"/debs/*.deb; do
  dpkg-deb -x "$deb" "$rootfs"
  dpkg-deb -f "$deb" Package Version | tr '\n' ' ' | sed 's/Package: //; s/ Version: /=/; s/ $/\n/' >>"$out/packages.txt"
done
# What only the package's scripts or documentation use.
rm -rf "$rootfs/usr/share/doc" "$rootfs/usr/share/lintian" "$rootfs/usr/share/gcc" \
  "$rootfs/usr/share/gdb" "$rootfs/usr/lib/x86_64-linux-gnu/gconv" "$rootfs/usr/libexec" \
  "$rootfs/sbin" "$rootfs/usr/bin" "$rootfs/usr/sbin"

"$java_home/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
  --compress=zip-6 --output "$rootfs/opt/java"

mkdir -p "$rootfs/etc" "$rootfs/tmp" "$rootfs/data"
cat >"$rootfs/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
switchboard:x:10001:10001:switchboard:/data:/sbin/nologin
PASSWD
cat >"$rootfs/etc/group" <<'GROUP'
root:x:0:
switchboard:x:10001:
GROUP
# Writable by the gateway whatever user runs it (a volume mounted here keeps its own owner).
chmod 1777 "$rootfs/tmp" "$rootfs/data"

# One layer, the same bytes for the same inputs: sorted, owned by root, dated at the epoch.
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$rootfs" -cf "$out/image/layer.tar" .
diff_id=$(sha256sum "$out/image/layer.tar" | cut -d' ' -f1)
cat >"$out/image/config.json" <<CONFIG
{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z",
 "config":{"User":"10001:10001","WorkingDir":"/data",
  "Env":["PATH=/opt/java/bin:/usr/bin:/bin","JAVA_HOME=/opt/java","LANG=C.UTF-8"]},
 "rootfs":{"type":"layers","diff_ids":["sha256:$diff_id"]},
 "history":[{"created":"1970-01-01T00:00:00Z","created_by":"switchboard-deploy/src/image/build-base.sh: $(tr '\n' ' ' <"$out/packages.txt")and a jlink runtime"}]}
CONFIG
cat >"$out/image/manifest.json" <<'MANIFEST'
[{"Config":"config.json","RepoTags":["switchboard-base:local"],"Layers":["layer.tar"]}]
MANIFEST
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$out/image" \
  -cf "$out/switchboard-base.tar" manifest.json config.json layer.tar
rm -rf "$out/image" "$out/debs"
