# postbulk - top-level Makefile (non-recursive).
#
# Each part adds its programs, libraries and tests in its own
# PART/module.mk; this file holds the flags and the common targets.
#
#   make              build everything
#   make check        install missing Debian packages, build, run every test
#   make check SANITIZE=1   the same with ASan + UBSan
#   make demo         the demo campaign (README's first command)
#   make install      PREFIX=/usr/local DESTDIR=
#   make deps         install the Debian packages needed to build, test, run
#   make bench-db     (and the other bench-* targets) benchmarks

PREFIX	?= /usr/local
DESTDIR	?=
SBINDIR	 = $(PREFIX)/sbin
BINDIR	 = $(PREFIX)/bin
MANDIR	 = $(PREFIX)/share/man
SYSCONFDIR ?= /etc/postbulk

CC	?= cc
PKGS	 = gmime-3.0 libidn2 openssl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN	 = -Wall -Wextra -Wformat=2 -Wno-format-nonliteral -Wshadow -Wno-unused-parameter
# -Werror always (CI builds this way); WERROR=0 turns it off locally.
ifneq ($(WERROR),0)
WARN	+= -Werror
endif
OPT	?= -O2 -g
ifeq ($(SANITIZE),1)
OPT	 = -O1 -g -fno-omit-frame-pointer
SAN	 = -fsanitize=address,undefined -fno-sanitize-recover=undefined
endif
CFLAGS	+= -std=c11 -D_GNU_SOURCE $(OPT) $(SAN) $(WARN) -Icommon -Idb $(PKG_CFLAGS)
LDFLAGS	+= $(SAN)
LDLIBS	 = $(PKG_LIBS) -ldb-5.3 -lpthread

# Rebuild everything when the flags change (e.g. SANITIZE=1 after a plain build).
# -Werror is left out: it changes no object.
BUILD_FLAGS := $(CC) $(OPT) $(SAN) $(LDFLAGS)
$(shell echo '$(BUILD_FLAGS)' | cmp -s - .build-flags || echo '$(BUILD_FLAGS)' > .build-flags)

PROGS	 =
LIBS	 =
MANS	 =
CLEAN	 =
DEPS_MK	 =

all: build

include common/module.mk
-include db/module.mk
-include policyd/module.mk
-include milter/module.mk
-include bounce-pipe/module.mk
-include submit/module.mk
-include postfix-conf/module.mk
-include tests/module.mk
-include tests/lab/module.mk
-include tests/e2e/module.mk

build: $(LIBS) $(PROGS)

%.o: %.c .build-flags
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find . -name '*.d' -not -path './.git/*' 2>/dev/null)

# Debian packages needed to build, test and run. Postfix is preseeded to
# "No configuration" so installing it never takes over the machine.
DEB_PKGS = build-essential pkg-config clang libclang-rt-14-dev \
	postfix postfix-lmdb libdb5.3-dev db5.3-util \
	libmilter-dev libopendkim-dev opendkim opendkim-tools libspf2-dev libpcre2-dev \
	libgmime-3.0-dev libcsv-dev libidn2-dev libssl-dev libmimalloc-dev \
	python3 python3-aiosmtpd python3-dkim libsisimai-perl postfwd \
	procps psmisc iproute2 openssl

deps:
	@missing=$$(dpkg-query -W -f='$${Package} $${Status}\n' $(DEB_PKGS) 2>/dev/null \
		| awk '$$NF=="installed"{print $$1}' | sort > /tmp/.postbulk-have.$$$$; \
		for p in $(DEB_PKGS); do grep -qx "$$p" /tmp/.postbulk-have.$$$$ || echo $$p; done; \
		rm -f /tmp/.postbulk-have.$$$$); \
	if [ -n "$$missing" ]; then \
		echo "make deps: installing" $$missing; \
		if [ "$$(id -u)" != 0 ]; then echo "make deps: must run as root to install: $$missing" >&2; exit 69; fi; \
		echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	else echo "make deps: all Debian packages present"; fi

check: deps
	$(MAKE) build
	@tests/run-tests $(TESTS_ARGS)

demo: deps
	$(MAKE) build
	@tests/demo/run-demo

install: build
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(SYSCONFDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	for p in $(PROGS); do \
		case $$p in */postbulk-submit|*/postbulk) install -m 755 $$p $(DESTDIR)$(BINDIR)/ ;; \
		*) install -m 755 $$p $(DESTDIR)$(SBINDIR)/ ;; esac; done
	for m in $(MANS); do sec=$${m##*.}; install -m 644 $$m $(DESTDIR)$(MANDIR)/man$$sec/; done
	for f in postfix-conf/postbulk.cf postfix-conf/destinations.cf; do \
		[ -f $$f ] || continue; \
		install -m 644 $$f $(DESTDIR)$(SYSCONFDIR)/$$(basename $$f).sample; done
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then \
		getent group postbulk >/dev/null || groupadd --system postbulk; \
		getent passwd postbulk >/dev/null || useradd --system -g postbulk -d /var/lib/postbulk -s /usr/sbin/nologin postbulk; \
		install -d -o postbulk -g postbulk -m 2770 /var/lib/postbulk; fi

clean:
	rm -f $(PROGS) $(LIBS) $(CLEAN) .build-flags
	find . -name '*.o' -o -name '*.d' | grep -v '^./.git' | xargs rm -f

.PHONY: all build deps check demo install clean
