#!/bin/bash
# Appends one trace line to the image; the line names the phase, the script and where it ran.
set -eu
if [ -d /tmp/in_target.d ]; then where=chroot; root=; else where=host; root=$TMP_MOUNT_PATH; fi
phase=$(basename "$(dirname "$0")")
mkdir -p "$root/opt/trace"
{
  printf "%s %s %s" "$phase" "$(basename "$0")" "$where"
  printf " COMPAT_A=%s COMPAT_B=%s ORDER=%s NOT_EXPORTED=%s" "${COMPAT_A:-}" "${COMPAT_B:-}" "${COMPAT_ORDER:-}" "${NOT_EXPORTED:-unset}"
  printf " DISTRO_NAME=%s ARCH=%s IMAGE_NAME=%s" "${DISTRO_NAME:-}" "${ARCH:-}" "$(basename "${IMAGE_NAME:-}")"
  printf " IMAGE_ELEMENT=%s" "$(echo ${IMAGE_ELEMENT:-} | tr " " "\n" | sort | tr "\n" ",")"
  printf " INSTALLTYPE=%s OFFLINE=%s ROOT_LABEL=%s HOME=%s" "${DIB_DEFAULT_INSTALLTYPE:-}" "${DIB_OFFLINE:-}" "${DIB_ROOT_LABEL:-}" "${HOME:-}"
  printf " TARGET_ROOT=%s TMPDIR=%s" "${TARGET_ROOT:+set}" "${TMPDIR:+set}"
  printf " MOUNT_PATH=%s HOOKS_PATH=%s CACHE=%s" "${TMP_MOUNT_PATH:+set}" "${TMP_HOOKS_PATH:+set}" "${DIB_IMAGE_CACHE:+set}"
  printf " PATH_HAS_LOCAL_SBIN=%s" "$(case ":$PATH:" in *:/usr/local/sbin:*) echo yes;; *) echo no;; esac)"
  printf "\n"
} >> "$root/opt/trace/compat-trace"
