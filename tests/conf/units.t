#!/bin/bash
# timeout: 60
#
# conf/units.t - the systemd units are valid and hardened:
#   systemd-analyze verify reports nothing (unknown keys, bad values,
#   commands that do not exist: the install paths are mapped to the build
#   tree), every service sets NoNewPrivileges, ProtectSystem=strict with
#   ReadWritePaths and PrivateTmp, and "systemd-analyze security" rates
#   each service below 4.0 (lower = less exposed).

set -u
top=${POSTBULK_TOP:?run me through tests/run-tests}
command -v systemd-analyze >/dev/null || { echo "systemd-analyze is not installed"; exit 77; }
T=$(mktemp -d /tmp/postbulk-units.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
fail=0
ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; fail=1; }

units="postbulk-policyd.service postbulk-milter.service postbulk-release.service postbulk-release.timer"
for u in $units; do
    sed -e "s|/usr/local/sbin/postbulk-policyd|$top/policyd/postbulk-policyd|" \
	-e "s|/usr/local/sbin/postbulk-milter|$top/milter/postbulk-milter|" \
	-e "s|/usr/local/bin/postbulk |$top/db/postbulk |" "$top/postfix-conf/$u" >"$T/$u"
done
for b in policyd/postbulk-policyd milter/postbulk-milter db/postbulk; do
    [ -x "$top/$b" ] || echo "# $b is not built: verify will say so"
done
(cd "$T" && systemd-analyze verify --man=no $(printf './%s ' $units)) >"$T/verify.out" 2>&1; rc=$?
if [ $rc = 0 ] && [ ! -s "$T/verify.out" ]; then
    ok "systemd-analyze verify: no complaints"
else
    nok "systemd-analyze verify (exit $rc)"; sed 's/^/# /' "$T/verify.out"
fi
for u in $units; do
    case $u in *.timer) continue ;; esac
    for k in '^NoNewPrivileges=yes$' '^ProtectSystem=strict$' '^ReadWritePaths=/' '^PrivateTmp=yes$' \
	     '^ProtectHome=yes$' '^CapabilityBoundingSet=' '^SystemCallFilter=@system-service$'; do
	grep -q "$k" "$T/$u" || nok "$u: no $k"
    done
    score=$(cd "$T" && systemd-analyze security --offline=true --no-pager "./$u" 2>/dev/null |
	sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
    if [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s < 4.0) }'; then
	ok "$u: hardened, exposure $score"
    else
	nok "$u: exposure ${score:-unknown} (want < 4.0)"
    fi
done
grep -q '^OnCalendar=' "$T/postbulk-release.timer" && grep -q '^Unit=postbulk-release.service$' "$T/postbulk-release.timer" &&
    ok "timer runs postbulk-release.service" || nok "timer runs postbulk-release.service"
grep -q "^ExecStart=$top/db/postbulk release --due$" "$T/postbulk-release.service" &&
    ok "release service runs postbulk release --due" || nok "release service runs postbulk release --due"
exit $fail
