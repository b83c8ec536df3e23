export COMPAT_A=from-a
NOT_EXPORTED=visible-only-to-the-runner
export COMPAT_ORDER="${COMPAT_ORDER:-}a"
