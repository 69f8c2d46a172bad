#!/usr/bin/env bash
# Make sure a Java runtime (17+) is on this machine for the Spark tests (PySpark starts a
# JVM). Installs Debian's openjdk-17-jre-headless with apt-get only when `java` is missing.
set -euo pipefail
if command -v java >/dev/null 2>&1; then exit 0; fi
echo "==> java not found: installing openjdk-17-jre-headless with apt-get" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq openjdk-17-jre-headless >/dev/null
command -v java >/dev/null 2>&1 || { echo "error: Java installation failed" >&2; exit 1; }
