#!/bin/bash
# timeout: 60
#
# doctor/golden.t - postbulk doctor against offline zone files (--zone),
# one case per cases/NAME.args (+ NAME.zone): the checklist, the records
# it asks to publish and the exit status must equal cases/NAME.ref.
#   POSTBULK_UPDATE_REFS=1 tests/run-tests doctor/golden   rewrites the .ref
#   files (review the diff).

set -u
top=${POSTBULK_TOP:?run me through tests/run-tests}
doctor=$top/postfix-conf/postbulk-doctor
cd "$top/tests/doctor" || exit 1
[ -x "$doctor" ] || { echo "not ok - $doctor is not built"; exit 1; }

# An empty postbulk configuration: nothing but the command line counts.
empty=$(mktemp /tmp/postbulk-doctor-cf.XXXXXX) || exit 1
trap 'rm -f "$empty" "$empty.out"' EXIT

fail=0
for args in cases/*.args; do
    name=$(basename "$args" .args)
    ref=cases/$name.ref
    # shellcheck disable=SC2046  # the .args file is a word list
    "$doctor" -c "$empty" $(cat "$args") >"$empty.out" 2>&1
    echo "exit: $?" >>"$empty.out"
    if [ "${POSTBULK_UPDATE_REFS:-}" = 1 ]; then
	cp "$empty.out" "$ref"
    fi
    if [ -f "$ref" ] && diff -u "$ref" "$empty.out" >&2; then
	echo "ok - $name"
    else
	[ -f "$ref" ] || echo "# $ref missing" >&2
	echo "not ok - $name"
	fail=1
    fi
done
exit $fail
