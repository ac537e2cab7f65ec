/*
 * NAME
 *	bp_reason_extra 3 - postbulk's own reason patterns
 * DESCRIPTION
 *	Patterns added to the Sisimai 4 tables of bp_reason_tab.c:
 * .IP \(bu
 *	the classes Sisimai 5 split off (authfailure, requireptr,
 *	badreputation, speeding, notcompliantrfc), with the texts of
 *	Sisimai 5's lib/Sisimai/Reason/ *.pm (BSD 2-Clause, (C)
 *	azumakuniyuki);
 * .IP \(bu
 *	ratelimited, a postbulk class for "you send too fast" replies
 *	of Korean portals (Naver 421 4.3.1 "You send too many messages");
 * .IP \(bu
 *	Korean-language diagnostics of Naver, Daum/Kakao and Nate, in
 *	UTF-8 (bp_mime converts EUC-KR/CP949 and ISO-2022-KR first).
 *	Sources: replies quoted in public postmaster forum posts and
 *	the portals' help pages; see tests/bounce/samples/SOURCES.
 * .PP
 *	Every substring is lowercase; regexes are PCRE2 extended, caseless.
 */
#include <stddef.h>

#include "bp_reason.h"

static const char *const authfailure_index[] = {
    "dmarc check failed",
    "//spf.pobox.com", "bad spf records for", "dmarc policy",
    "please inspect your spf settings", "sender policy framework (spf) fail",
    "sender policy framework violation",
    "spf (sender policy framework) domain authentication fail",
    "spf check: fail", "is not allowed to send mail. _401",
    "dkim signature verification failed", "dkim authentication failure",
    "unauthenticated email from", "failed dmarc", "dmarc validation fail",
    "spf validation fail", "spf record of", 0,
};
static const char authfailure_regex[] =
    "is[ ]not[ ]allowed[ ]to[ ]send[ ]from[ ]<.*per[ ]it'?s[ ]spf[ ]record"
    "|[ ]is[ ]not[ ]allowed[ ]to[ ]send[ ]mail[.].*_401";

static const char *const requireptr_index[] = {
    "access denied. ip name lookup failed",
    "all mail servers must have a ptr record with a valid reverse dns entry",
    "bad dns ptr resource record", "cannot find your hostname",
    "fix reverse dns for ", "ips with missing ptr records", "no ptr record found.",
    "please get a custom reverse dns name from your isp for your host",
    "ptr record setup", "reverse dns failed", "reverse dns required",
    "sender ip reverse lookup rejected",
    "does not have a ptr record", "the corresponding forward dns entry does not point to the sending ip",
    "this system will not accept messages from servers/devices with no reverse dns",
    "unresolvable relay host name",
    "we do not accept mail from hosts with dynamic ip or generic dns ptr-records",
    "reverse dns lookup failed", "ip name lookup failed", 0,
};
static const char requireptr_regex[] =
    "domain[ ].+[ ]mismatches[ ]client[ ]ip"
    "|dns[ ]lookup[ ]failure:[ ].+[ ]try[ ]again[ ]later"
    "|reverse[ ]dns[ ]lookup[ ]for[ ]host[ ].+[ ]failed[ ]permanently"
    "|server[ ]access[ ].+[ ]forbidden[ ]by[ ]invalid[ ]rdns[ ]record"
    "|service[ ]permits[ ].+[ ]unverifyable[ ]sending[ ]ips";

static const char *const badreputation_index[] = {
    "a poor email reputation score",
    "has been temporarily rate limited due to ip reputation",
    "ip/domain reputation problems", "likely suspicious due to the very low reputation",
    "none/bad reputation",
    "the sending mta's poor reputation", 0,
};

static const char *const speeding_index[] = {
    "has sent to too many recipients this hour", "too many recipients this hour",
    "mail sent from your ip address has been temporarily rate limited",
    "please try again slower",
    "receiving mail at a rate that prevents additional messages from being delivered",
    0,
};

static const char *const notcompliantrfc_index[] = {
    "this message is not rfc 5322 compliant", "https://support.google.com/mail/?p=rfcmessagenoncompliant",
    "duplicate header", "multiple addresses in from: header are not accepted",
    "messages with multiple addresses in from:",
    "message is not rfc 5322 compliant", 0,
};

/*
 * Korean portals. Naver: "421 4.3.1 You send too many messages" and
 * "421 4.3.2 ... realip.naver.com" are its per-IP rate and block
 * replies; Daum/Kakao: "554 5.7.1 DAS51 ... (E06)" is a block.
 */
static const char *const ratelimited_index[] = {
    "you send too many messages", "too many messages from your ip",
    "발송량이 너무 많", "너무 많은 메일", "발송 제한", "수신 제한을 초과",
    "전송 속도", "단시간에 많은 메일", 0,
};
static const char *const blocked_index[] = {
    "realip.naver.com", "das51", "(e06)", "your ip is blocked",
    "adresse ip source bloquee",
    "수신 거부된 ip", "차단된 ip", "ip가 차단", "발송 ip가 차단", 0,
};
static const char *const userunknown_index[] = {
    "존재하지 않는 사용자", "존재하지 않는 계정", "존재하지 않는 메일 주소",
    "존재하지 않는 주소", "받는 사람의 메일 주소가 존재하지 않", "수신자를 찾을 수 없",
    "없는 메일 주소", "없는 사용자", "등록되지 않은 사용자", "사용자가 없습니다",
    "받는사람 메일 주소가 존재하지 않", 0,
};
static const char *const mailboxfull_index[] = {
    "메일함 용량이 초과", "메일함이 가득", "메일함 용량 초과", "용량이 부족",
    "저장 공간이 부족", "메일함 용량이 꽉", "용량을 초과", 0,
};
static const char *const suspend_index[] = {
    "account that you tried to reach is inactive", "account is disabled",
    "account has been disabled", "le compte du destinataire est bloque",
    "p=disableduser",
    "휴면 계정", "휴면 상태", "휴면계정", "사용이 정지된", "이용이 정지된",
    "사용 중지된 계정", 0,
};
static const char *const spamdetected_index[] = {
    "스팸으로 분류", "스팸으로 판단", "스팸 메일로 판단", 0,
};
static const char *const policyviolation_index[] = {
    "정책에 의해 수신이 거부", "수신 정책에 의해", 0,
};
static const char *const expired_index[] = {
    "could not deliver for the last", "message will be retried for",
    "has been in the queue too long", "retry time not reached for any host",
    "delivery time expired", "message expired", "queue lifetime exceeded",
    "delivery attempts will continue to be made", 0,
};
static const char *const userunknown2_index[] = {
    "please check if address is correct", 0,
};
static const char *const toomanyconn_index[] = {
    "ip frequency limited", "frequency limited", "too many connections from your ip",
    0,
};
static const char *const rejected_index[] = {
    /* Google Groups: posting to the group refused (every language). */
    "groups.google.com/support/",
    /* Gmail: the sender's "Send mail as" relay refused the message. */
    "mail/?p=customfromdenied", "'send mail as' account are misconfigured", 0,
};

/* T-Online: "554 IP=192.0.2.1 - A problem occurred. (...) (BL)": block list. */
static const char blocked_regex[] =
    "ip=[0-9a-f.:]+[ ]-[ ]a[ ]problem[ ]occurred[.].*[(]bl[)]";
static const char *const notaccept_index[] = {
    "couldn't find a mail exchanger or ip address", "no mx found for domain",
    "null mx", "does not accept mail (nullmx)", 0,
};
static const char *const norelaying_index[] = {
    "no relaying", 0,
};
static const char *const filtered_index[] = {
    "refused due to recipient preferences",
    "based on the email preferences of the person",
    /* Sisimai 5's Filtered.pm */
    "message filtered", "recipient id refuse to receive mail",
    "recipient is only accepting mail from specific email addresses",
    "user refuses to receive this mail", 0,
};
static const char *const systemfull_index[] = {
    "insufficient disk space", "insufficient system storage", 0,
};
static const char hostunknown_regex[] = "553[ ][^ ]+[ ]does[ ]not[ ]exist"
    "|dns[ ]lookup[ ]failure:[ ]host[ ][^ ]+[ ]not[ ]found";

const BP_REASON_PAT bp_reason_extra[] = {
    {"authfailure", authfailure_index, NULL, authfailure_regex},
    {"requireptr", requireptr_index, NULL, requireptr_regex},
    {"badreputation", badreputation_index, NULL, NULL},
    {"speeding", speeding_index, NULL, NULL},
    {"notcompliantrfc", notcompliantrfc_index, NULL, NULL},
    {"ratelimited", ratelimited_index, NULL, NULL},
    {"blocked", blocked_index, NULL, blocked_regex},
    {"userunknown", userunknown_index, NULL, NULL},
    {"mailboxfull", mailboxfull_index, NULL, NULL},
    {"suspend", suspend_index, NULL, NULL},
    {"spamdetected", spamdetected_index, NULL, NULL},
    {"policyviolation", policyviolation_index, NULL, NULL},
    {"hostunknown", NULL, NULL, hostunknown_regex},
    {"expired", expired_index, NULL, NULL},
    {"notaccept", notaccept_index, NULL, NULL},
    {"systemfull", systemfull_index, NULL, NULL},
    {"norelaying", norelaying_index, NULL, NULL},
    {"filtered", filtered_index, NULL, NULL},
    {"toomanyconn", toomanyconn_index, NULL, NULL},
    {"rejected", rejected_index, NULL, NULL},
    {"userunknown", userunknown2_index, NULL, NULL},
    {NULL, NULL, NULL, NULL},
};
