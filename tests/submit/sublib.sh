# sublib.sh - lab set-up shared by the submit tests (sourced after lab.sh)
#
#	sub_rcpt_access CAMPAIGN
#		Write $LAB_ETC/rcpt_access: a regexp table through which the
#		lab's smtpd gives the answers policyd would (sup* suppressed,
#		pdup* duplicate in CAMPAIGN), a bad address (bad*) and a
#		deferral with a retry hint (later*).
#	sub_listener PORT [-o OPTION ...]
#		A plain smtpd on 127.0.0.1:PORT checking recipients against
#		rcpt_access, plus the given options; reloads and waits for it.
#	sub_config PORT [LINE ...]
#		A fresh token key and $LAB/pb.cf pointing submit at PORT, with
#		the extra LINEs; exports POSTBULK_CONFIG.
#	Failures are reported with the test's nok.

sub_rcpt_access() {
    cat >"$LAB_ETC/rcpt_access" <<EOT
/^(sup[0-9]+@.*)\$/	REJECT 5.1.1 <\$1>: suppressed (userunknown since 2026-01-02)
/^(pdup[0-9]+@.*)\$/	REJECT 5.7.1 <\$1>: duplicate in campaign $1
/^bad[0-9]+@/		REJECT 5.1.1 User unknown in virtual mailbox table
/^later[0-9]+@/		DEFER 4.7.1 rate limited, retry in 1 s
EOT
}

sub_listener() {
    local port=$1; shift
    lab_postconf_M "127.0.0.1:$port/inet=127.0.0.1:$port inet n - n - - smtpd -o smtpd_recipient_restrictions=check_recipient_access,regexp:$LAB_ETC/rcpt_access,permit_mynetworks,reject -o smtpd_relay_restrictions=permit_mynetworks,reject $*"
    lab_reload
    lab_wait_port "$port" 10 || nok "listener $port up"
}

sub_config() {
    local port=$1 line; shift
    head -c 48 /dev/urandom >"$LAB/token.key"; chmod 600 "$LAB/token.key"
    {
	echo "token_key_file = $LAB/token.key"
	echo "bounce_domain = bounces.lab.test"
	echo "submit_server = 127.0.0.1:$port"
	echo "submit_state_directory = $LAB/state"
	echo "submit_retry_limit = 2"
	for line in "$@"; do echo "$line"; done
    } >"$LAB/pb.cf"
    export POSTBULK_CONFIG=$LAB/pb.cf
}
